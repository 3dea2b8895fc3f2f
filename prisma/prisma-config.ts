import { defineConfig } from 'prisma-migrate/config';
import { migrationAdapterFor, type DatabaseName } from './databases';
import { engineOf } from './engines';
import { migrationSchemaPath, migrationsPath } from './schemas';

/**
 * The migration CLI's configuration for one database (prisma/cli.ts). The engine comes from the URL that
 * `prisma/cli.ts` hands over (PRISMA_DATASOURCE_URL): its rendered schema and its own migrations folder. The JS schema engine runs migrations
 * through the same driver adapter the services use, so no native engine is needed.
 */
export function databaseConfig(database: DatabaseName) {
  const url = process.env.PRISMA_DATASOURCE_URL;
  if (!url) throw new Error('PRISMA_DATASOURCE_URL is not set; run Prisma through `npm run prisma`');
  const engine = engineOf(url);
  return defineConfig({
    experimental: { adapter: true },
    engine: 'js',
    schema: migrationSchemaPath(database, engine),
    migrations: { path: migrationsPath(database, engine) },
    async adapter() {
      return migrationAdapterFor(url);
    },
  });
}
