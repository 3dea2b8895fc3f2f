import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatPayloadKeys, parsePayloadKeys, payloadKeyBytes, type PayloadKey } from '../config/payload-keys';

/** Where a local set-up keeps its payload key when PAYLOAD_KEYS is not set, in the data folder (never in the repository). */
export const localPayloadKeysFile = (dataDir: string) => path.join(dataDir, 'payload-keys');

export class PayloadKeysMissingError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
}

/**
 * The local key file's keys, creating the file with a fresh random key when there is none yet. Processes started side
 * by side agree: the file is written aside and linked into place, so one key wins and the others read it.
 * `created` is true for the process that wrote it.
 */
export function ensureLocalPayloadKeys(dataDir: string): { keys: PayloadKey[]; file: string; created: boolean } {
  const file = localPayloadKeysFile(dataDir);
  if (fs.existsSync(file)) return { keys: readKeyFile(file), file, created: false };
  fs.mkdirSync(dataDir, { recursive: true });
  const id = `local-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(draft, `${formatPayloadKeys([{ id, key: randomBytes(payloadKeyBytes) }])}\n`, { mode: 0o600 });
  let created = true;
  try {
    fs.linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    created = false;
  } finally {
    fs.rmSync(draft, { force: true });
  }
  return { keys: readKeyFile(file), file, created };
}

function readKeyFile(file: string): PayloadKey[] {
  return parsePayloadKeys(fs.readFileSync(file, 'utf8'), file);
}

export interface PayloadKeySource {
  keys: PayloadKey[];
  /** Where they came from, for the log: the setting or the file (never a key). */
  from: string;
  created: boolean;
}

/**
 * The keys a process uses: PAYLOAD_KEYS (or PAYLOAD_KEYS_FILE) when set; otherwise the local key file in the data
 * folder, which a dev set-up creates on first start. Outside dev a missing key is refused: a key made up by one
 * process alone would leave the others unable to read what it writes.
 */
export function payloadKeysFor(config: { payloadKeys?: PayloadKey[]; dataDir: string; appEnv: string }): PayloadKeySource {
  if (config.payloadKeys) return { keys: config.payloadKeys, from: 'PAYLOAD_KEYS', created: false };
  const file = localPayloadKeysFile(config.dataDir);
  if (config.appEnv !== 'dev' && !fs.existsSync(file)) {
    throw new PayloadKeysMissingError(
      `PAYLOAD_KEYS (or PAYLOAD_KEYS_FILE) is not set and ${file} does not exist: set the payload keys for ${config.appEnv} (docs/personal-data.md)`,
    );
  }
  const local = ensureLocalPayloadKeys(config.dataDir);
  return { keys: local.keys, from: local.file, created: local.created };
}
