import fs from 'node:fs';
import path from 'node:path';
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { databaseLimits } from '../contracts/timeouts';
import { engineOf } from './engines';
import { withStatementCache } from './sqlite-statements';

export { UnsupportedDatabaseUrlError, engineOf, type Engine } from './engines';

/** The three databases; each belongs to exactly one service. */
export const databaseNames = ['store', 'supplier', 'carrier'] as const;
export type DatabaseName = (typeof databaseNames)[number];

/**
 * A driver adapter for the URL's engine: Prisma runs on JS drivers here, with no native engine. The SQLite and
 * PostgreSQL adapters are migration-aware (the JS schema engine runs `migrate` through them); the MariaDB adapter
 * serves queries only, and MySQL migrations run through postgrator (prisma/migrations.ts).
 */
export function adapterFor(
  url: string,
  options: { shortLived?: boolean; waitForLocks?: boolean; statementCache?: boolean } = {},
): SqlMigrationAwareDriverAdapterFactory | SqlDriverAdapterFactory {
  switch (engineOf(url)) {
    case 'sqlite': {
      const file = url.slice('file:'.length);
      if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      // Short while serving: better-sqlite3's busy wait blocks the event loop (contracts/timeouts.ts says why).
      const blockingAllowed = options.shortLived || options.waitForLocks;
      // Each engine's adapter and driver are loaded when a URL first asks for them, as the clients are.
      const { PrismaBetterSqlite3: Adapter } = require('@prisma/adapter-better-sqlite3') as {
        PrismaBetterSqlite3: typeof PrismaBetterSqlite3;
      };
      const adapter = new Adapter({
        url: file,
        timeout: blockingAllowed ? databaseLimits.sqliteStartupBusyTimeoutMs : databaseLimits.sqliteBusyTimeoutMs,
      });
      return options.statementCache === false ? adapter : withStatementCache(adapter);
    }
    case 'postgresql': {
      const { PrismaPg: Adapter } = require('@prisma/adapter-pg') as { PrismaPg: typeof PrismaPg };
      return new Adapter({
        connectionString: url,
        connectionTimeoutMillis: databaseLimits.connectMs,
        // Every wait bounded (contracts/timeouts.ts): a row lock, and a statement with its lock waits.
        lock_timeout: databaseLimits.lockWaitMs,
        statement_timeout: databaseLimits.statementMs,
        // The Prisma CLI runs as a process of its own: close idle connections at once so that it exits when done
        // (the migration engine never disposes of its adapter, and pg keeps idle connections for 10 s by default).
        ...(options.shortLived ? { idleTimeoutMillis: 50, allowExitOnIdle: true } : {}),
      });
    }
    case 'mysql': {
      const { PrismaMariaDb: Adapter } = require('@prisma/adapter-mariadb') as { PrismaMariaDb: typeof PrismaMariaDb };
      return new Adapter(mariadbUrl(url));
    }
  }
}

/**
 * The mariadb driver's own scheme, with a connect timeout unless the URL sets one, and every wait bounded
 * (contracts/timeouts.ts): InnoDB's row-lock wait and, on MariaDB, a statement's time (`/*M! … *\/` is run by
 * MariaDB only; MySQL has no such limit for writes and ignores it).
 */
export function mariadbUrl(url: string): string {
  const parsed = new URL(url.replace(/^mysql:/i, 'mariadb:'));
  if (!parsed.searchParams.has('connectTimeout')) parsed.searchParams.set('connectTimeout', String(databaseLimits.connectMs));
  // The adapter's own default, set here: without it the adapter re-encodes the whole query, turning initSql's
  // spaces into `+`, which the driver does not decode.
  if (!parsed.searchParams.has('prepareCacheLength')) parsed.searchParams.set('prepareCacheLength', '0');
  if (parsed.searchParams.has('initSql')) return parsed.toString();
  const initSql =
    `SET SESSION innodb_lock_wait_timeout = ${Math.ceil(databaseLimits.lockWaitMs / 1000)}` +
    ` /*M!, max_statement_time = ${databaseLimits.statementMs / 1000} */`;
  // The driver decodes values with decodeURIComponent, which leaves URLSearchParams' `+` for a space as it is.
  return `${parsed.toString()}${parsed.search ? '&' : '?'}initSql=${encodeURIComponent(initSql)}`;
}

/** The migration-aware adapter the Prisma CLI needs; MySQL has none here (its migrations run through postgrator). */
export function migrationAdapterFor(url: string): SqlMigrationAwareDriverAdapterFactory {
  const adapter = adapterFor(url, { shortLived: true });
  if (!('connectToShadowDb' in adapter)) {
    throw new Error(`Prisma's migration engine cannot run on ${engineOf(url)} here; use npm run prisma -- <db> migrate …`);
  }
  return adapter;
}
