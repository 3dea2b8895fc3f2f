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
 */
export function sourceSchemaPath(database: DatabaseName): string {
  return path.join(__dirname, database, 'schema.prisma');
}

export function schemaPath(database: DatabaseName, engine: Engine): string {
  return engine === 'sqlite' ? sourceSchemaPath(database) : path.join(__dirname, database, 'engines', engine, 'schema.prisma');
}

/** Checked-in migrations of one database on one engine. */
export function migrationsPath(database: DatabaseName, engine: Engine): string {
  return path.join(__dirname, database, 'migrations', engine);
}

export function renderSchema(source: string, engine: Engine): string {
  const datasource = /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*)"sqlite"/;
  if (!datasource.test(source)) throw new Error('The source schema must declare provider = "sqlite" in its datasource');
  const header = `// GENERATED from ../../schema.prisma by prisma/schemas.ts for ${engine}: edit the source, not this file.\n`;
  return header + source.replace(datasource, `$1"${engine}"`);
}

/** Writes the engine's rendered schema when it is missing or stale; atomic, so concurrent starts do not collide. */
export function ensureSchema(database: DatabaseName, engine: Engine): string {
  const target = schemaPath(database, engine);
  if (engine === 'sqlite') return target;
  const rendered = renderSchema(fs.readFileSync(sourceSchemaPath(database), 'utf8'), engine);
  if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === rendered) return target;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, rendered);
  fs.renameSync(temporary, target);
  return target;
}
