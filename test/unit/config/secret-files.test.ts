import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../config';
import { secretNames } from '../../../config/secret-files';

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

  it('reads every secret from a file: the database URLs, the admin password, Redis, the Temporal key and TLS key, the Consul and service tokens, the payload keys', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----';
    const files: Record<string, string> = {
      DATABASE_URL: 'postgresql://store:store-pw@db:5432/store',
      SUPPLIER_DATABASE_URL: 'postgresql://supplier:supplier-pw@db:5432/supplier',
      CARRIER_DATABASE_URL: 'mysql://carrier:carrier-pw@db:3306/carrier',
      ADMIN_PASSWORD: 'admin-pw',
      TEMPORAL_API_KEY: 'api-key',
      TEMPORAL_TLS_CLIENT_KEY_DATA: pem,
      REDIS_URL: 'redis://:redis-pw@cache:6379',
      CONSUL_HTTP_TOKEN: 'consul-acl-token',
      SERVICE_TOKEN: 'service-token-of-the-deployment',
      PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    expect([...secretNames].sort()).toEqual(Object.keys(files).sort());
    const env: NodeJS.ProcessEnv = {
      HOME: dir,
      ADMIN_EMAIL: 'admin@example.com',
      TEMPORAL_ADDRESS: 'shop.tmprl.cloud:7233',
      TEMPORAL_TLS_CLIENT_CERT_DATA: '-----BEGIN CERTIFICATE-----\nnot-a-real-cert\n-----END CERTIFICATE-----',
    };
    for (const [name, value] of Object.entries(files)) env[`${name}_FILE`] = secret(name, `${value}\n`);
    const config = loadConfig(env);
    expect(config.databases).toEqual({ store: files.DATABASE_URL, supplier: files.SUPPLIER_DATABASE_URL, carrier: files.CARRIER_DATABASE_URL });
    expect(config.admin?.password).toBe(files.ADMIN_PASSWORD);
    expect(config.limits.redisUrl).toBe(files.REDIS_URL);
    expect(config.payloadKeys).toEqual([{ id: 'k1', key: Buffer.alloc(32, 7) }]);
    expect(config.temporal.apiKey).toBe(files.TEMPORAL_API_KEY);
    expect(config.consulToken).toBe(files.CONSUL_HTTP_TOKEN);
    expect(config.services.token).toBe(files.SERVICE_TOKEN);
    expect(config.temporal.tls).toMatchObject({ clientCertPair: { key: Buffer.from(pem) } });
  });
});
