import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The file in DATA_DIR that holds the local service credential when SERVICE_TOKEN is not given. */
export const serviceTokenFileName = 'service-token';

/**
 * The credential the supplier's and carrier's APIs require (`Authorization: Bearer <token>`) and the gateway sends:
 * `SERVICE_TOKEN` (or `SERVICE_TOKEN_FILE`) when given. Without it, as on one machine with `npm start` or any
 * `npm run start:*` alone, every process sharing DATA_DIR uses the token in `<DATA_DIR>/service-token`: whichever
 * starts first creates it with a random value, readable by its owner only, and the others read it. Never a token
 * fixed in the repository.
 */
export function serviceToken(config: { dataDir: string; services: { token?: string } }): string {
  return config.services.token ?? localServiceToken(config.dataDir);
}

/** `<dataDir>/service-token`, created once, atomically: nobody ever reads a half-written or empty file. */
export function localServiceToken(dataDir: string): string {
  const file = path.join(dataDir, serviceTokenFileName);
  const existing = readToken(file);
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  // Written whole under a name of its own (O_EXCL, 0600), then linked into place: link refuses an existing name, so
  // of processes starting together exactly one places its token and the others read that one.
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}`;
  const descriptor = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.writeSync(descriptor, `${crypto.randomBytes(32).toString('base64url')}\n`);
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  const token = readToken(file);
  if (!token) throw new Error(`${file} holds no service token: remove it to have a new one made, or set SERVICE_TOKEN`);
  return token;
}

function readToken(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
