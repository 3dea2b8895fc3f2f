import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mariadb, { type Connection as MariaDbConnection } from 'mariadb';
import pg from 'pg';
import { redactUrl } from '../../config/redact-url';
import { engines, type Engine } from '../../prisma/engines';

/**
 * The database engines the suites run on. SQLite is embedded; PostgreSQL and MariaDB/MySQL are servers, found at
 * TEST_POSTGRES_URL and TEST_MYSQL_URL (defaults: the local servers, no passwords). Each test makes its own
 * throw-away database (`purchase_test_<random>`) on them and drops it; nothing else on the servers is touched.
 * TEST_ENGINES=sqlite,postgresql limits the run to some engines.
 */
export const serverUrls = {
  postgresql: process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  mysql: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/',
};

export { engines, type Engine };

/** What probeEngines found: the engines that answer, and why each other one does not run. */
export interface EngineProbe {
  available: Engine[];
  /** Every engine that will not run, with why: left out by TEST_ENGINES, or its server gave no answer. */
  unavailable: Record<string, string>;
  /** The engines TEST_ENGINES leaves out (also in `unavailable`). */
  leftOut: Engine[];
}

/** Run once before all tests (test/global-setup.ts): which engines answer, and why the others do not. */
export async function probeEngines(): Promise<EngineProbe> {
  const wanted = (process.env.TEST_ENGINES ?? engines.join(','))
    .split(',')
    .map((engine) => engine.trim())
    .filter((engine): engine is Engine => (engines as readonly string[]).includes(engine));
  const available: Engine[] = [];
  const unavailable: Record<string, string> = {};
  const leftOut: Engine[] = [];
  for (const engine of engines) {
    if (!wanted.includes(engine)) {
      unavailable[engine] = 'left out by TEST_ENGINES';
      leftOut.push(engine);
      continue;
    }
    try {
      if (engine === 'postgresql') await withPostgres((client) => client.query('SELECT 1'));
      if (engine === 'mysql') await withMysql((connection) => connection.query('SELECT 1'));
      available.push(engine);
    } catch (error) {
      const url = engine === 'postgresql' ? serverUrls.postgresql : serverUrls.mysql;
      unavailable[engine] = `no answer at ${redactUrl(url)} (${error instanceof Error ? error.message : error})`;
    }
  }
  return { available, unavailable, leftOut };
}

/** CI sets CI (GitHub Actions: `CI=true`); `CI=false` or `CI=0` says it is not. */
export function runsInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && !['', '0', 'false'].includes(value);
}

/**
 * Why the run must stop before any test, or undefined when it may go on. In CI both servers run beside the tests, so
 * an engine that does not answer there is a broken set-up, not a machine without it: the run fails instead of ending
 * green with the engine's suites skipped. TEST_ENGINES still leaves engines out on purpose. Elsewhere a server that does
 * not answer only skips its engine's suites, loudly.
 */
export function missingEngineFailure(probe: EngineProbe, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!runsInCi(env)) return undefined;
  const missing = Object.entries(probe.unavailable).filter(([engine]) => !probe.leftOut.includes(engine as Engine));
  if (missing.length === 0) return undefined;
  return (
    `In CI every database engine must run, and ${missing.map(([engine, reason]) => `${engine} has ${reason}`).join('; ')}. ` +
    'Start the server (TEST_POSTGRES_URL, TEST_MYSQL_URL), or leave the engine out with TEST_ENGINES.'
  );
}

export function availableEngines(): Engine[] {
  const listed = process.env.TEST_ENGINES_AVAILABLE;
  if (listed === undefined) return ['sqlite'];
  return listed.split(',').filter(Boolean) as Engine[];
}

function unavailableReason(engine: Engine): string {
  const reasons = JSON.parse(process.env.TEST_ENGINES_UNAVAILABLE ?? '{}') as Record<string, string>;
  return reasons[engine] ?? 'not probed';
}

/**
 * Declares the same suite once per engine, titled `… [engine: <name>]` (the summary counts tests by that tag). An
 * engine whose server does not answer is declared skipped, loudly, so the run says what it did not cover.
 */
export function describeEachEngine(title: string, suite: (engine: Engine) => void) {
  for (const engine of engines) {
    const name = `${title} [engine: ${engine}]`;
    if (availableEngines().includes(engine)) {
      describe(name, () => suite(engine));
    } else {
      describe(name, () => {
        it.skip(`is not run: ${unavailableReason(engine)}`, () => undefined);
      });
    }
  }
}

/** A fresh, empty database on the engine; `drop()` removes it (SQLite: the folder holding the file). */
export async function createEmptyDatabase(engine: Engine, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purchase-test-'));
    return {
      url: `file:${path.join(dir, `${name}.db`)}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const database = `purchase_test_${name}_${randomBytes(5).toString('hex')}`;
  if (engine === 'postgresql') {
    await withPostgres((client) => client.query(`CREATE DATABASE "${database}"`));
    const url = new URL(serverUrls.postgresql);
    url.pathname = `/${database}`;
    return {
      url: url.toString(),
      // FORCE: a test's connection pool may still hold a connection.
      drop: () => withPostgres((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).then(() => undefined),
    };
  }
  await withMysql((connection) => connection.query(`CREATE DATABASE \`${database}\``));
  const url = new URL(serverUrls.mysql);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: () => withMysql((connection) => connection.query(`DROP DATABASE IF EXISTS \`${database}\``)).then(() => undefined),
  };
}

async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrls.postgresql, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function withMysql<T>(work: (connection: MariaDbConnection) => Promise<T>): Promise<T> {
  const url = new URL(serverUrls.mysql);
  const connection = await mariadb.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    connectTimeout: 3_000,
  });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}
