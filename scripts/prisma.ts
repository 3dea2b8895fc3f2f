/**
 * The Prisma CLI wrapper; nobody sets Prisma's variables by hand.
 *
 * - `npm run prisma -- generate`: renders each database's schema for every engine and generates its clients
 *   (`npm install` runs this).
 * - `npm run prisma -- <store|supplier|carrier> migrate deploy|status`: on the database's URL from the environment,
 *   whatever its engine (Prisma migrate on SQLite and PostgreSQL, postgrator on MySQL).
 * - `npm run prisma -- <db> migration <name>`: after editing `prisma/<db>/schema.prisma`, writes the new migration for
 *   SQLite and PostgreSQL with `prisma migrate diff` (from the schema as last migrated), and a MySQL file to fill in
 *   by hand (test/integration/migrations.test.ts fails until the MySQL tables match the models again).
 * - `npm run prisma -- <db> <any other Prisma arguments>`: the Prisma CLI itself, on that database's engine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { generateClient, offlineUrl, runPrisma } from '../prisma/cli';
import { databaseNames, type DatabaseName } from '../prisma/databases';
import { engineOf, engines } from '../prisma/engines';
import { migrateDatabase, migrationStatus } from '../prisma/migrations';
import { ensureMigrationSchema, migrationsPath, renderMigrationSchema, sourceSchemaPath } from '../prisma/schemas';

const postgresForDiff = process.env.MIGRATION_DIFF_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function generate(extra: string[]) {
  for (const database of databaseNames) {
    for (const engine of engines) {
      const { code, output } = await generateClient(database, engine, extra);
      if (code !== 0) {
        process.stderr.write(output);
        process.exit(code);
      }
    }
    console.log(`Generated the ${database} Prisma clients (${engines.join(', ')})`);
  }
}

/**
 * Prisma's JS schema engine cannot diff from a migrations folder (its SQLite shadow database fails) nor from a live
 * database with an adapter, so a new migration is the diff between the schema as last migrated
 * (`prisma/<db>/migrations/migrated-schema.prisma`, checked in, updated here) and the current source schema.
 */
async function newMigration(database: DatabaseName, name: string) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error('a migration name is lower-case letters, digits and _');
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const snapshot = path.join(path.dirname(migrationsPath(database, 'sqlite')), 'migrated-schema.prisma');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-diff-'));
  const previousSource = fs.readFileSync(snapshot, 'utf8');
  let changed = false;
  for (const engine of ['sqlite', 'postgresql'] as const) {
    const previous = path.join(scratch, `${engine}.prisma`);
    fs.writeFileSync(previous, renderMigrationSchema(previousSource, engine));
    const current = ensureMigrationSchema(database, engine);
    const args = ['migrate', 'diff', '--from-schema-datamodel', previous, '--to-schema-datamodel', current, '--script'];
    const { code, output } = await runPrisma(database, args, engine === 'sqlite' ? offlineUrl.sqlite : postgresForDiff);
    if (code !== 0) throw new Error(`migrate diff failed on ${engine}:\n${output}`);
    const sql = output.slice(Math.max(0, output.indexOf('-- ')));
    if (!sql.trim() || /empty migration/i.test(sql)) {
      console.log(`${database}/${engine}: no change`);
      continue;
    }
    changed = true;
    const folder = path.join(migrationsPath(database, engine), `${stamp}_${name}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'migration.sql'), sql);
    console.log(`wrote ${path.relative(process.cwd(), folder)}/migration.sql`);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  if (!changed) return;
  fs.copyFileSync(sourceSchemaPath(database), snapshot);
  const mysqlFile = path.join(migrationsPath(database, 'mysql'), `${stamp}.do.${name}.sql`);
  fs.writeFileSync(
    mysqlFile,
    `-- ${name}: write the MySQL/MariaDB DDL for this change by hand (see the PostgreSQL migration of the same name).\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), mysqlFile)}: fill it in by hand`);
}

async function main() {
  const [first, ...rest] = process.argv.slice(2);
  if (first === 'generate') return generate(rest);
  if (!databaseNames.includes(first as DatabaseName)) {
    console.error(`usage: npm run prisma -- generate | <${databaseNames.join('|')}> migrate deploy|status | <db> migration <name> | <db> <prisma arguments…>`);
    process.exit(2);
  }
  const database = first as DatabaseName;
  const url = loadConfig().databases[database];
  const [command, subcommand] = rest;
  if (command === 'migration') return newMigration(database, subcommand ?? '');
  if (command === 'migrate' && subcommand === 'deploy') {
    await migrateDatabase(database, url);
    console.log(`The ${database} database is up to date`);
    return;
  }
  if (command === 'migrate' && subcommand === 'status') {
    const status = await migrationStatus(database, url);
    console.log(status.output.trim());
    process.exit(status.upToDate ? 0 : 1);
  }
  if (engineOf(url) === 'mysql') {
    console.error('On MySQL only `migrate deploy` and `migrate status` run here (Prisma has no MySQL schema engine here).');
    process.exit(2);
  }
  const { code } = await runPrisma(database, rest, url, 'inherit');
  process.exit(code);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
