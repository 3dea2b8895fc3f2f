import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DatabaseName } from './databases';
import { engineOf, type Engine } from './engines';
import { ensureSchema } from './schemas';

const prismaEntry = require.resolve('prisma/build/index.js');
const preload = path.join(__dirname, 'cli-preload.js');

/** A URL of the engine's scheme for commands that never connect (generate, migrate diff): it only picks the engine. */
export const offlineUrl: Record<Engine, string> = {
  sqlite: 'file::memory:',
  postgresql: 'postgresql://offline@127.0.0.1:1/offline',
  mysql: 'mysql://offline@127.0.0.1:1/offline',
};

/**
 * Runs the Prisma CLI against one database; the URL's scheme picks the engine (its rendered schema, its migrations).
 * The engine variables only need to name an existing file: with the JS engine Prisma never loads them, but without
 * them it tries to download native engines.
 */
export function runPrisma(database: DatabaseName, args: string[], url: string, stdio: 'inherit' | 'pipe' = 'pipe') {
  const configFile = path.join(__dirname, database, 'prisma.config.ts');
  const placeholderEngine = ensureSchema(database, engineOf(url));
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', preload, prismaEntry, ...args, '--config', configFile], {
      env: {
        ...process.env,
        PRISMA_DATASOURCE_URL: url,
        PRISMA_SCHEMA_ENGINE_BINARY: placeholderEngine,
        PRISMA_QUERY_ENGINE_LIBRARY: placeholderEngine,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        PRISMA_DISABLE_WARNINGS: '1',
        CHECKPOINT_DISABLE: '1',
      },
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export { migrateDatabase, migrationStatus, MigrationError } from './migrations';
