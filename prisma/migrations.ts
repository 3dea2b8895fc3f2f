import fs from 'node:fs';
import path from 'node:path';
import type mariadbDriver from 'mariadb';
import type Postgrator from 'postgrator';
import { redactUrl } from '../config/redact-url';
import { runPrisma } from './cli';
import { adapterFor, mariadbUrl, type DatabaseName } from './databases';
import { engineOf, UnsupportedDatabaseUrlError, type Engine } from './engines';
import { migrationsPath } from './schemas';

/**
 * Migrations, per engine, all checked in under `prisma/<db>/migrations/<engine>/`:
 * - SQLite and PostgreSQL: Prisma's own `migrate deploy` on the JS schema engine, through the driver adapters.
 * - MySQL/MariaDB: Prisma 6.19's JS schema engine has no MySQL connector, so hand-written SQL files
 *   (`<version>.do.<name>.sql`, the version being the matching Prisma migration's timestamp) are applied by postgrator,
 *   which records them in its `schemaversion` table. test/integration/migrations.test.ts checks that the migrated
 *   tables match the Prisma models.
 */
export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
}

/** The service that migrates each database, at its start: the store's is the gateway's (activities/store/activities.ts). */
const serviceOf: Record<DatabaseName, string> = { store: 'gateway', supplier: 'supplier', carrier: 'carrier' };

function failure(database: DatabaseName, url: string, reason: string) {
  return new MigrationError(
    `The ${serviceOf[database]} service could not migrate its ${database} database at ${redactUrl(url)}:\n${reason}`,
  );
}

/** Applies pending migrations; a bad or unreachable URL fails with the service and the URL, password hidden. */
export async function migrateDatabase(database: DatabaseName, url: string): Promise<void> {
  const engine = engineOrFailure(database, url);
  if (engine === 'mysql') {
    try {
      await withPostgrator(database, url, (postgrator) => postgrator.migrate());
    } catch (error) {
      throw failure(database, url, describe(error, url));
    }
    return;
  }
  if (!(await everyMigrationApplied(database, engine, url))) await deployMigrations(database, url);
  if (engine === 'sqlite') await useWriteAheadLog(url);
}

/** How often, and how far apart, `migrate deploy` is tried again when another process holds the SQLite file. */
const busyRetries = { times: 10, everyMs: 500 };

async function deployMigrations(database: DatabaseName, url: string) {
  for (let attempt = 1; ; attempt += 1) {
    const { code, output } = await runPrisma(database, ['migrate', 'deploy'], url);
    if (code === 0) return;
    // A read that turns into a write meets SQLite's BUSY at once, busy timeout or not, when another process has written
    // meanwhile: the others' writes do not stop, so the whole deploy is tried again.
    if (attempt < busyRetries.times && /SQLITE_BUSY|database is locked/i.test(output)) {
      await new Promise((resolve) => setTimeout(resolve, busyRetries.everyMs));
      continue;
    }
    throw failure(database, url, lastLines(output, url));
  }
}

/**
 * True when `_prisma_migrations` records every checked-in migration as applied: a restart then runs no Prisma CLI at all,
 * so it neither waits for one nor meets the file's other writers (a restarted service under load).
 */
async function everyMigrationApplied(database: DatabaseName, engine: Engine, url: string): Promise<boolean> {
  const checkedIn = fs
    .readdirSync(migrationsPath(database, engine), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  return withConnection(url, async (db) => {
    try {
      const { rows } = await db.queryRaw({
        sql: 'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        args: [],
        argTypes: [],
      });
      const applied = new Set(rows.map(([name]) => String(name)));
      return checkedIn.every((name) => applied.has(name));
    } catch {
      // No `_prisma_migrations` yet (a new database), or it cannot be read: `migrate deploy` says what is wrong.
      return false;
    }
  });
}

/**
 * SQLite in WAL mode, which the file keeps: readers and the writer no longer block each other, so with the short busy
 * timeout (contracts/timeouts.ts) a stream of readers cannot starve the writer, and a commit syncs one file, the log,
 * instead of a journal and the database. Full sync stays: a committed write survives a power cut. A file that stays
 * locked past the start-up busy timeout keeps its journal mode, correct and slower, until the next start.
 */
async function useWriteAheadLog(url: string) {
  await withConnection(url, async (db) => {
    try {
      await db.executeScript('PRAGMA journal_mode = WAL');
    } catch {
      // See above.
    }
  });
}

type Connection = Awaited<ReturnType<ReturnType<typeof adapterFor>['connect']>>;

/** Runs `work` on a short-lived connection of its own, closed afterwards. */
async function withConnection<R>(url: string, work: (db: Connection) => Promise<R>): Promise<R> {
  const db = await adapterFor(url, { shortLived: true }).connect();
  try {
    return await work(db);
  } finally {
    await db.dispose();
  }
}

export interface MigrationStatus {
  engine: Engine;
  /** Checked-in migrations not yet applied. */
  pending: string[];
  upToDate: boolean;
  output: string;
}

/** What `migrate status` says, on any engine. */
export async function migrationStatus(database: DatabaseName, url: string): Promise<MigrationStatus> {
  const engine = engineOrFailure(database, url);
  if (engine === 'mysql') {
    return withPostgrator(database, url, async (postgrator) => {
      const migrations = (await postgrator.getMigrations()).filter((migration) => migration.action === 'do');
      const applied = Number(await postgrator.getDatabaseVersion());
      const pending = migrations.filter((migration) => Number(migration.version) > applied).map((m) => m.filename);
      const upToDate = pending.length === 0;
      return {
        engine,
        pending,
        upToDate,
        output: upToDate
          ? `Database schema is up to date (version ${applied}, ${migrations.length} migrations).`
          : `Following migrations have not yet been applied:\n${pending.join('\n')}`,
      };
    });
  }
  const { code, output } = await runPrisma(database, ['migrate', 'status'], url);
  const pendingBlock = /have not yet been applied:\n([\s\S]*?)\n\n/.exec(output)?.[1] ?? '';
  const pending = pendingBlock.split('\n').map((line) => line.trim()).filter(Boolean);
  const upToDate = code === 0 && /Database schema is up to date/.test(output);
  if (code !== 0 && pending.length === 0) {
    // A database never migrated has no `_prisma_migrations` table; on SQLite the JS schema engine says so with P1014
    // instead of listing the pending migrations.
    if (/P1014/.test(output) && /_prisma_migrations/.test(output)) {
      const all = fs
        .readdirSync(migrationsPath(database, engine), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      return { engine, pending: all, upToDate: false, output: `No migration has been applied yet:\n${all.join('\n')}` };
    }
    throw failure(database, url, lastLines(output, url));
  }
  return { engine, pending, upToDate, output };
}

function engineOrFailure(database: DatabaseName, url: string): Engine {
  try {
    return engineOf(url);
  } catch (error) {
    if (error instanceof UnsupportedDatabaseUrlError) throw failure(database, url, error.message);
    throw error;
  }
}

async function withPostgrator<T>(database: DatabaseName, url: string, work: (postgrator: Postgrator) => Promise<T>) {
  // multipleStatements: a migration file is a script of several DDL statements.
  const options = connectionOptions(url);
  // Loaded for MySQL alone: a process on another engine never needs them.
  const mariadb = require('mariadb') as typeof mariadbDriver;
  const PostgratorRunner = (require('postgrator') as { default: typeof Postgrator }).default;
  const connection = await mariadb.createConnection({ ...options, multipleStatements: true });
  try {
    const postgrator = new PostgratorRunner({
      migrationPattern: path.join(migrationsPath(database, 'mysql'), '*.sql'),
      driver: 'mysql',
      database: options.database,
      schemaTable: 'schemaversion',
      execQuery: async (query) => ({ rows: rowsOf(await connection.query(query)) }),
      execSqlScript: async (script) => {
        await connection.query(script);
      },
    });
    return await work(postgrator);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

function connectionOptions(url: string) {
  const parsed = new URL(mariadbUrl(url));
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error('the URL names no database (mysql://user:password@host:port/<database>)');
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
    connectTimeout: Number(parsed.searchParams.get('connectTimeout') ?? 10_000),
  };
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
}

function describe(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return hidePassword(message, url);
}

/** Prisma's own error, without its banners and warnings. */
function lastLines(output: string, url: string): string {
  const lines = output.trim().split('\n');
  const error = lines.findIndex((line) => /^Error\b/.test(line));
  const relevant = error >= 0 ? lines.slice(error) : lines.slice(-6);
  return hidePassword(relevant.filter((line) => line.trim()).join('\n'), url);
}

/** The password must not reach a log even when a driver quotes the URL back. */
function hidePassword(text: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? text.split(password).join('***') : text;
  } catch {
    return text;
  }
}
