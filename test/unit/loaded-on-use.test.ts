import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../config';

const run = promisify(execFile);

/**
 * What a process loads only once it uses it: another engine's Prisma client and driver, the Redis client, the OTLP
 * exporter. Each is megabytes of memory in every process; one top-level import would bring it back unnoticed. Jest keeps
 * its own module registry, so the check runs in a plain Node.js process and reads that process's `require.cache`.
 */
async function packagesLoadedBy(script: string, env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', `${script}
    .then(() => {
      const loaded = new Set(Object.keys(require.cache).map((file) => {
        const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file.split(require('node:path').sep).join('/'));
        return match ? match[1] : '';
      }));
      process.stdout.write(JSON.stringify([...loaded].filter(Boolean)));
      process.exit(0);
    })`], { cwd: projectRoot, env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', ...env }, timeout: 60_000 });
  return JSON.parse(stdout) as string[];
}

describe('modules loaded on use', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loaded-on-use-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('loads only the SQLite client and driver for an SQLite URL, and the PostgreSQL ones only for a PostgreSQL URL', async () => {
    const sqlite = await packagesLoadedBy(
      `const { connectSupplier } = require('./prisma/clients');
       Promise.resolve(connectSupplier('file:${path.join(dataDir, 'supplier.db')}'))`,
    );
    expect(sqlite).toEqual(expect.arrayContaining(['@prisma/adapter-better-sqlite3', 'better-sqlite3']));
    for (const unused of ['@prisma/adapter-pg', 'pg', '@prisma/adapter-mariadb', 'mariadb']) expect(sqlite).not.toContain(unused);

    const postgresql = await packagesLoadedBy(
      `const { connectSupplier } = require('./prisma/clients');
       Promise.resolve(connectSupplier('postgresql://postgres@127.0.0.1:5432/test'))`,
    );
    expect(postgresql).toEqual(expect.arrayContaining(['@prisma/adapter-pg', 'pg']));
    for (const unused of ['@prisma/adapter-better-sqlite3', 'better-sqlite3', 'mariadb']) expect(postgresql).not.toContain(unused);
  }, 120_000);

  it('loads the Redis client only with REDIS_URL', async () => {
    const counters = (url: string) =>
      `const { createLimitCounters } = require('./api/limits');
       const counters = createLimitCounters(${url ? `{ redisUrl: '${url}' }` : '{}'});
       counters.close()`;
    expect(await packagesLoadedBy(counters(''))).not.toContain('ioredis');
    expect(await packagesLoadedBy(counters('redis://127.0.0.1:6379'))).toContain('ioredis');
  }, 120_000);

  it('loads the OTLP exporter and Prisma’s instrumentation only when spans are exported', async () => {
    const tracing = `const { startTracing } = require('./observability/tracing');
       startTracing('supplier').shutdown()`;
    const silent = await packagesLoadedBy(tracing);
    expect(silent).toContain('@opentelemetry/sdk-trace-node');
    expect(silent).not.toContain('@opentelemetry/exporter-trace-otlp-http');
    expect(silent).not.toContain('@prisma/instrumentation');

    const exporting = await packagesLoadedBy(tracing, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces' });
    expect(exporting).toEqual(expect.arrayContaining(['@opentelemetry/exporter-trace-otlp-http', '@prisma/instrumentation']));
  }, 120_000);
});
