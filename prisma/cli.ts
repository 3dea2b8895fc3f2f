import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DatabaseName } from './databases';
import { engineOf, type Engine } from './engines';
import { ensureMigrationSchema, ensureSchema } from './schemas';

/**
 * Two Prisma CLIs, one per job:
 * - `prisma` (7) generates the clients the services run: the same major version as `@prisma/client`, whose query
 *   plan cache spares each repeated query its compilation.
 * - `prisma-migrate` (`prisma` 6.19, under another name) runs migrations. Prisma 7 migrates only through its native
 *   schema engine, which it downloads from binaries.prisma.sh at install; 6.19 runs the same migrations on its
 *   WebAssembly schema engine through the driver adapters the services use, with nothing to download.
 */
const generatorEntry = require.resolve('prisma/build/index.js');
const migrationEntry = require.resolve('prisma-migrate/build/index.js');
const preload = path.join(__dirname, 'cli-preload.js');

/** A URL of the engine's scheme for commands that never connect (generate, migrate diff): it only picks the engine. */
export const offlineUrl: Record<Engine, string> = {
  sqlite: 'file::memory:',
  postgresql: 'postgresql://offline@127.0.0.1:1/offline',
  mysql: 'mysql://offline@127.0.0.1:1/offline',
};

/**
 * The engine variables only need to name an existing file: with the JS engines Prisma never loads them, but without
 * them it tries to download native engines.
 */
function runCli(entry: string, args: string[], env: Record<string, string>, placeholderEngine: string, stdio: 'inherit' | 'pipe') {
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', preload, entry, ...args], {
      env: {
        ...process.env,
        ...env,
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

/** Generates one database's client for one engine. */
export function generateClient(database: DatabaseName, engine: Engine, extra: string[] = []) {
  const schema = ensureSchema(database, engine);
  return runCli(generatorEntry, ['generate', '--schema', schema, ...extra], {}, schema, 'pipe');
}

/**
 * Runs the migration CLI against one database; the URL's scheme picks the engine (its rendered schema, its
 * migrations).
 */
export function runPrisma(database: DatabaseName, args: string[], url: string, stdio: 'inherit' | 'pipe' = 'pipe') {
  const configFile = path.join(__dirname, database, 'prisma.config.ts');
  const schema = ensureMigrationSchema(database, engineOf(url));
  return runCli(migrationEntry, [...args, '--config', configFile], { PRISMA_DATASOURCE_URL: url }, schema, stdio);
}
