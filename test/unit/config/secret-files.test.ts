import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secret-files-'));
const secret = (name: string, content: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('secrets from files (<NAME>_FILE)', () => {
  it('reads a database URL, the admin password and the Temporal API key from mounted files', () => {
    const config = loadConfig({
      HOME: dir,
      DATABASE_URL_FILE: secret('db', 'postgresql://store:s3cret@db:5432/store\n'),
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD_FILE: secret('admin', 'admin-password-from-file\n'),
      TEMPORAL_ADDRESS: 'shop.tmprl.cloud:7233',
      TEMPORAL_API_KEY_FILE: secret('key', 'key-from-file'),
    });
    expect(config.databases.store).toBe('postgresql://store:s3cret@db:5432/store');
    expect(config.admin).toEqual({ email: 'admin@example.com', password: 'admin-password-from-file' });
    expect(config.temporal.apiKey).toBe('key-from-file');
  });

  it('refuses a setting given both ways, and a file that cannot be read, without printing a secret', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD: 'x', ADMIN_PASSWORD_FILE: secret('a2', 'y') })).toThrow(
      /ADMIN_PASSWORD and ADMIN_PASSWORD_FILE are both set/,
    );
    const missing = path.join(dir, 'missing');
    expect(() => loadConfig({ CARRIER_DATABASE_URL_FILE: missing })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIGURATION', message: expect.stringContaining('ENOENT') }),
    );
  });
});
