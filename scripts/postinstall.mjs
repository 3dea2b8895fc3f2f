// npm install's last step: generates the Prisma clients (`npm run prisma -- generate`) where the development tools
// are installed. A production install (`npm ci --omit=dev`, the image's runtime stage) has no tsx and generates
// nothing: the processes it runs were compiled (`npm run build`) with their clients inside, and migrations need only
// the schemas. Plain JavaScript, so that install runs without the TypeScript loader.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('tsx');
} catch {
  console.log('postinstall: no development dependencies (a production install); the Prisma clients are not generated');
  process.exit(0);
}
const generate = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/prisma.ts', 'generate'], { stdio: 'inherit' });
process.exit(generate.status ?? 1);
