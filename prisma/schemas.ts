import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseName } from './databases';
import type { Engine } from './engines';

/**
 * One source of truth per database: `prisma/<db>/schema.prisma`. Prisma fixes the provider inside a schema and
 * generates one client per schema, so the PostgreSQL and MySQL variants are rendered from the source with only the
 * datasource provider swapped, into `prisma/<db>/engines/<engine>/schema.prisma` (generated, git-ignored), each with
 * its own client next to it. The source's own client (`prisma/<db>/generated`) is SQLite's, and its types are the
 * service's one TypeScript type: the models are the same on every engine, only the SQL underneath differs.
 *
 * Migrations run on another Prisma CLI than generation (prisma/cli.ts says why), whose schemas must name the
 * datasource's URL: each engine's migration schema is rendered beside its client schema, as `migrate.prisma`.
 */
export function sourceSchemaPath(database: DatabaseName): string {
  return path.join(__dirname, database, 'schema.prisma');
}

/** The schema a client is generated from. */
export function schemaPath(database: DatabaseName, engine: Engine): string {
  return engine === 'sqlite' ? sourceSchemaPath(database) : path.join(__dirname, database, 'engines', engine, 'schema.prisma');
}

/** The schema the migration CLI reads. */
export function migrationSchemaPath(database: DatabaseName, engine: Engine): string {
  return path.join(__dirname, database, 'engines', engine, 'migrate.prisma');
}

/** Checked-in migrations of one database on one engine. */
export function migrationsPath(database: DatabaseName, engine: Engine): string {
  return path.join(__dirname, database, 'migrations', engine);
}

const sqliteDatasource = /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*)"sqlite"/;

export function renderSchema(source: string, engine: Engine): string {
  if (!sqliteDatasource.test(source)) throw new Error('The source schema must declare provider = "sqlite" in its datasource');
  const header = `// GENERATED from ../../schema.prisma by prisma/schemas.ts for ${engine}: edit the source, not this file.\n`;
  return header + source.replace(sqliteDatasource, `$1"${engine}"`);
}

/** The engine's schema with the URL the migration CLI connects to (it reads it from PRISMA_DATASOURCE_URL). */
export function renderMigrationSchema(source: string, engine: Engine): string {
  if (/datasource\s+\w+\s*\{[^}]*\burl\s*=/.test(source)) throw new Error('The source schema must not set the datasource url');
  const withUrl = source.replace(sqliteDatasource, `$&\n  url      = env("PRISMA_DATASOURCE_URL")`);
  return renderSchema(withUrl, engine);
}

/** Writes a rendered schema when it is missing or stale; atomic, so concurrent starts do not collide. */
function writeIfChanged(target: string, rendered: string): string {
  if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === rendered) return target;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, rendered);
  fs.renameSync(temporary, target);
  return target;
}

const sourceOf = (database: DatabaseName) => fs.readFileSync(sourceSchemaPath(database), 'utf8');

/** The engine's client schema, rendered when missing or stale. */
export function ensureSchema(database: DatabaseName, engine: Engine): string {
  if (engine === 'sqlite') return schemaPath(database, engine);
  return writeIfChanged(schemaPath(database, engine), renderSchema(sourceOf(database), engine));
}

/** The engine's migration schema, rendered when missing or stale. */
export function ensureMigrationSchema(database: DatabaseName, engine: Engine): string {
  return writeIfChanged(migrationSchemaPath(database, engine), renderMigrationSchema(sourceOf(database), engine));
}
