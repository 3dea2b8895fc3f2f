import { spawn } from 'node:child_process';
import path from 'node:path';
import { type DatabaseName, redactUrl } from './databases';

const prismaEntry = require.resolve('prisma/build/index.js');

/**
 * Runs the Prisma CLI against one database. The engine variables only need to name an existing file:
 * with the JS engine Prisma never loads them, but without them it tries to download native engines.
 */
export function runPrisma(database: DatabaseName, args: string[], url: string, stdio: 'inherit' | 'pipe' = 'pipe') {
  const configFile = path.join(__dirname, database, 'prisma.config.ts');
  const placeholderEngine = path.join(__dirname, database, 'schema.prisma');
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [prismaEntry, ...args, '--config', configFile], {
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

export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
}

/** Applies pending migrations; a bad or unreachable URL fails with the service and the URL, password hidden. */
export async function migrateDatabase(database: DatabaseName, url: string): Promise<void> {
  const { code, output } = await runPrisma(database, ['migrate', 'deploy'], url);
  if (code !== 0) {
    const reason = output.trim().split('\n').slice(-6).join('\n');
    throw new MigrationError(`Could not migrate the ${database} database at ${redactUrl(url)}:\n${reason}`);
  }
}
