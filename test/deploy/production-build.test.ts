import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../config';
import { startSystem, type RunningSystem } from '../../harness/system';

const run = promisify(execFile);

/**
 * What the image runs, without Docker: the project's files as the Dockerfile copies them (minus what .dockerignore
 * leaves out), production dependencies only (`npm ci --omit=dev`, whose postinstall generates the Prisma clients), then
 * the four processes from that folder with NODE_ENV=production against a dev server, and a purchase through them.
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
    // The image prebuilds the workflow bundle when the project has a script for it; so does this build.
    const { scripts = {} } = JSON.parse(fs.readFileSync(path.join(build, 'package.json'), 'utf8'));
    if (scripts['build:workflows']) {
      await run('npm', ['run', 'build:workflows'], { cwd: build, maxBuffer: 1 << 24, timeout: 300_000 });
      bundleBuiltAt = fs.statSync(path.join(build, 'build/workflows/bundle.js')).mtimeMs;
    }
  }, 960_000);

  afterAll(async () => {
    await system?.stop();
    if (build) fs.rmSync(build, { recursive: true, force: true });
  }, 60_000);

  it('has no development dependency and leaves the tests behind', () => {
    for (const dev of ['jest', '@temporalio/testing', 'fast-check', 'playwright-core']) {
      expect(fs.existsSync(path.join(build, 'node_modules', dev))).toBe(false);
    }
    expect(fs.existsSync(path.join(build, 'test'))).toBe(false);
    expect(fs.existsSync(path.join(build, 'prisma/store/generated'))).toBe(true);
  });

  it('runs the four processes with NODE_ENV=production and completes a purchase', async () => {
    system = await startSystem({ root: build, env: { NODE_ENV: 'production', PURCHASE_CANCEL_WINDOW: '0s' } });
    expect(system.runningProcesses().sort()).toEqual(['carrier', 'gateway', 'orchestrator', 'supplier', 'temporal']);
    const { token } = await system.newUser();
    const done = await system.purchase(token);
    expect(done.status).toBe('COMPLETED');
    // The orchestrator ran the bundle built with the image, as it was: a worker bundles again only for changed sources.
    expect(bundleBuiltAt).toBeDefined();
    expect(fs.statSync(path.join(build, 'build/workflows/bundle.js')).mtimeMs).toBe(bundleBuiltAt);
  }, 180_000);
});
