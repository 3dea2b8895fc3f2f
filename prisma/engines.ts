/**
 * The database engines a service can run on, told apart by the URL's scheme alone:
 * `file:` is embedded SQLite, `postgresql://` (or `postgres://`) is PostgreSQL, `mysql://` (or `mariadb://`) is
 * MySQL or MariaDB. Nothing else in the code asks which engine it is on, except where an engine needs its own SQL
 * (prisma/dialects.ts) or its own migration runner (prisma/migrations.ts).
 */
import { redactUrl } from '../config/redact-url';

export const engines = ['sqlite', 'postgresql', 'mysql'] as const;
export type Engine = (typeof engines)[number];

export class UnsupportedDatabaseUrlError extends Error {
  readonly code = 'UNSUPPORTED_DATABASE_URL';
}

export function engineOf(url: string): Engine {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'file':
      return 'sqlite';
    case 'postgresql':
    case 'postgres':
      return 'postgresql';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    default:
      throw new UnsupportedDatabaseUrlError(
        `Unsupported database URL ${redactUrl(url)}: expected file:<path>, postgresql://… or mysql://…`,
      );
  }
}
