import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

/** The three databases; each belongs to exactly one service. */
export const databaseNames = ['store', 'supplier', 'carrier'] as const;
export type DatabaseName = (typeof databaseNames)[number];

/** The database URL with any password masked, for logs and start-up errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export class UnsupportedDatabaseUrlError extends Error {
  readonly code = 'UNSUPPORTED_DATABASE_URL';
}

/** A driver adapter for the URL's engine: Prisma runs on JS drivers here, with no native engine. */
export function adapterFor(url: string): SqlMigrationAwareDriverAdapterFactory {
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    // SQLite serialises writers; several worker processes share a file, so wait for the lock instead of failing.
    return new PrismaBetterSQLite3({ url: file, timeout: 15_000 });
  }
  throw new UnsupportedDatabaseUrlError(`Unsupported database URL ${redactUrl(url)}: expected file:<path>`);
}
