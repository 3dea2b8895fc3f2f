import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../config';

/**
 * No Docker engine and no Dockerfile linter (hadolint is Haskell; its npm wrappers download a binary) can be had here:
 * this reads the Dockerfile and checks the rules that matter for this image.
 */
const dockerfile = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
const stages = instructions.filter((instruction) => instruction.keyword === 'FROM');
const lastStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]));

describe('the Dockerfile', () => {
  it('builds in stages from pinned base images', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.args).toMatch(/^[\w./-]+:\d[\w.-]*(-[\w.-]+)?( AS \w+)?$/i);
  });

  it('installs production dependencies only, with the lock file', () => {
    const installs = instructions.filter((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/npm ci --omit=dev/);
  });

  it('runs as a non-root user, with Node itself as PID 1 in exec form so SIGTERM reaches it', () => {
    expect(lastStage.find((i) => i.keyword === 'USER')?.args).toBe('node');
    const entrypoint = lastStage.find((i) => i.keyword === 'ENTRYPOINT')!;
    expect(JSON.parse(entrypoint.args)).toEqual(['node', '--import', 'tsx']);
    const command = JSON.parse(lastStage.find((i) => i.keyword === 'CMD')!.args);
    expect(fs.existsSync(path.join(projectRoot, command[0]))).toBe(true);
  });

  it('has a health check whose script exists and knows each entry point', () => {
    const healthcheck = lastStage.find((i) => i.keyword === 'HEALTHCHECK')!;
    const script = /CMD \["node", "([^"]+)"\]/.exec(healthcheck.args)![1];
    const source = fs.readFileSync(path.join(projectRoot, script), 'utf8');
    for (const entry of ['api/main.ts', 'workers/orchestrator.ts', 'workers/supplier.ts', 'workers/carrier.ts']) {
      expect(source).toContain(`'${entry}'`);
      expect(fs.existsSync(path.join(projectRoot, entry))).toBe(true);
    }
  });

  it('runs only scripts that package.json has', () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts);
    for (const run of instructions.filter((i) => i.keyword === 'RUN')) {
      for (const [, name] of run.args.matchAll(/npm run ([\w:-]+)/g)) {
        // A script the image runs only where it exists says so with `npm run | grep -q`.
        if (!new RegExp(`grep -q '${name}'`).test(run.args)) expect(scripts).toContain(name);
      }
    }
  });

  it('keeps local state, dependencies and tests out of the build context', () => {
    const ignored = fs.readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.data', '.tools', '.git', 'test']) expect(ignored).toContain(entry);
  });
});
