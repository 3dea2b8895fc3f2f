import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { projectRoot } from '../../config';
import { compiledEntry, compiledEnvironment, compiledNodeOptions, services } from '../../launch/services';
import { startSystem, type RunningSystem } from '../../harness/system';

const run = promisify(execFile);

/**
 * What the image runs, without Docker: the project's files as the Dockerfile copies them (minus what .dockerignore
 * leaves out) with production dependencies only (`npm ci --omit=dev`: no tsx, no esbuild), compiled as the image's
 * build stage compiles them (Prisma clients, `npm run build`, `npm run build:workflows`, with this project's
 * development tools lent through NODE_PATH and tsx's loader by path, as the build stage has them installed), then the
 * four compiled processes on plain `node` with the image's options and environment (compiledNodeOptions,
 * compiledEnvironment) and NODE_ENV=production
 * against a dev server, and a purchase through them.
 */
describe('the production build', () => {
  let build: string;
  let system: RunningSystem | undefined;
  let bundleBuiltAt: number | undefined;

  beforeAll(async () => {
    build = fs.mkdtempSync(path.join(os.tmpdir(), 'purchase-saga-build-'));
    const ignored = fs
      .readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, maxBuffer: 1 << 24 });
    for (const file of stdout.split('\n').filter(Boolean)) {
      if (ignored.some((pattern) => file === pattern || file.startsWith(`${pattern}/`))) continue;
      if (!fs.existsSync(path.join(projectRoot, file))) continue; // deleted in the work tree
      fs.mkdirSync(path.dirname(path.join(build, file)), { recursive: true });
      fs.copyFileSync(path.join(projectRoot, file), path.join(build, file));
    }
    await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: build,
      maxBuffer: 1 << 24,
      timeout: 600_000,
    });
    // The build stage's steps, each in the copy, on its own production dependencies first.
    const buildTools = {
      cwd: build,
      env: { ...process.env, NODE_PATH: path.join(projectRoot, 'node_modules') },
      maxBuffer: 1 << 24,
      timeout: 300_000,
    };
    const tsx = ['--import', pathToFileURL(require.resolve('tsx', { paths: [projectRoot] })).href];
    await run(process.execPath, [...tsx, 'scripts/prisma.ts', 'generate'], buildTools);
    await run(process.execPath, [...tsx, 'scripts/build.ts'], buildTools);
    await run(process.execPath, [...tsx, 'scripts/build-workflows.ts'], buildTools);
    bundleBuiltAt = fs.statSync(path.join(build, 'build/workflows/bundle.js')).mtimeMs;
  }, 960_000);

  afterAll(async () => {
    await system?.stop();
    if (build) fs.rmSync(build, { recursive: true, force: true });
  }, 60_000);

  it('installs no development dependency (no TypeScript loader, no bundler) and leaves the tests behind', () => {
    for (const dev of ['tsx', 'esbuild', 'jest', '@temporalio/testing', 'fast-check', 'playwright-core']) {
      expect(fs.existsSync(path.join(build, 'node_modules', dev))).toBe(false);
    }
    expect(fs.existsSync(path.join(build, 'test'))).toBe(false);
  });

  it('compiles each process into one file in dist/ with its source map', () => {
    for (const service of services) {
      const compiled = path.join(build, compiledEntry(service.entry));
      expect(fs.readFileSync(compiled, 'utf8')).toMatch(/\/\/# sourceMappingURL=\S+\.js\.map\s*$/);
      expect(fs.existsSync(`${compiled}.map`)).toBe(true);
    }
    expect(fs.existsSync(path.join(build, 'dist/scripts/prisma.js'))).toBe(true);
  });

  it('runs the four compiled processes on plain Node.js with NODE_ENV=production and completes a purchase', async () => {
    system = await startSystem({ root: build, compiled: true, env: { NODE_ENV: 'production', PURCHASE_CANCEL_WINDOW: '0s' } });
    expect(system.runningProcesses().sort()).toEqual(['carrier', 'gateway', 'orchestrator', 'supplier', 'temporal']);
    for (const service of services) {
      const commandLine = fs.readFileSync(`/proc/${system.pid(service.name)}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(commandLine.slice(1)).toEqual([...compiledNodeOptions, path.join(build, compiledEntry(service.entry))]);
      const environment = fs.readFileSync(`/proc/${system.pid(service.name)}/environ`, 'utf8').split('\0');
      for (const [name, value] of Object.entries(compiledEnvironment)) expect(environment).toContain(`${name}=${value}`);
    }
    const { token } = await system.newUser();
    const done = await system.purchase(token);
    expect(done.status).toBe('COMPLETED');
    // The orchestrator ran the bundle built with the image, as it was: a worker bundles again only for changed sources.
    expect(fs.statSync(path.join(build, 'build/workflows/bundle.js')).mtimeMs).toBe(bundleBuiltAt);
  }, 180_000);

  it('migrates with the compiled Prisma wrapper, as the chart’s migration job does', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purchase-migrate-'));
    try {
      const { stdout, stderr } = await run(process.execPath, ['--enable-source-maps', 'dist/scripts/prisma.js', 'supplier', 'migrate', 'deploy'], {
        cwd: build,
        env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'production' },
        maxBuffer: 1 << 24,
        timeout: 120_000,
      });
      expect(`${stdout}${stderr}`).toMatch(/The supplier database is up to date/);
      expect(fs.readdirSync(dataDir).some((file) => file.startsWith('supplier'))).toBe(true);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
