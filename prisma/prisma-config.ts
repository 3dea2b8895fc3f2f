import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { adapterFor, type DatabaseName } from './databases';

/**
 * Prisma CLI configuration for one database. The JS schema engine runs migrations through the same driver
 * adapter the services use, so no native engine is needed; `prisma/cli.ts` sets the URL.
 */
export function databaseConfig(database: DatabaseName) {
  const folder = path.join(__dirname, database);
  return defineConfig({
    experimental: { adapter: true },
    engine: 'js',
    schema: path.join(folder, 'schema.prisma'),
    migrations: { path: path.join(folder, 'migrations') },
    async adapter() {
      const url = process.env.PRISMA_DATASOURCE_URL;
      if (!url) throw new Error('PRISMA_DATASOURCE_URL is not set; run Prisma through `npm run prisma`');
      return adapterFor(url);
    },
  });
}
