import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../config';
import { compiledEntry, compiledEnvironment, compiledNodeOptions, services } from '../../launch/services';

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
/** The instructions of the stage named `name` (FROM … AS name). */
const stage = (name: string) => {
  const start = stages.findIndex((from) => new RegExp(` AS ${name}$`, 'i').test(from.args));
  expect(start).toBeGreaterThanOrEqual(0);
  const end = start + 1 < stages.length ? instructions.indexOf(stages[start + 1]) : instructions.length;
  return instructions.slice(instructions.indexOf(stages[start]), end);
};
/** What the runtime stage copies in. */
const copies = lastStage.filter((i) => i.keyword === 'COPY');

describe('the Dockerfile', () => {
  it('builds in stages from pinned base images', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.args).toMatch(/^[\w./-]+:\d[\w.-]*(-[\w.-]+)?( AS \w+)?$/i);
  });

  it('installs from the lock file, and ships production dependencies only', () => {
    const installs = instructions.filter((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/npm ci\b/);
    // The runtime's node_modules comes from a stage that installs without the development tools (tsx, esbuild)…
    const modules = copies.find((i) => /\/app\/node_modules \/app\/node_modules$/.test(i.args))!;
    const from = /--from=(\w+)/.exec(modules.args)![1];
    expect(stage(from).filter((i) => i.keyword === 'RUN' && /npm ci/.test(i.args)).map((i) => i.args)).toEqual([
      expect.stringMatching(/npm ci --omit=dev/),
    ]);
    // …and the build stage, which needs them, leaves its own behind before the runtime copies its files.
    const built = copies.find((i) => /--from=build\b/.test(i.args))!;
    expect(built).toBeDefined();
    expect(stage('build').some((i) => i.keyword === 'RUN' && /rm -rf node_modules\s*$/.test(i.args))).toBe(true);
    expect(copies.indexOf(built)).toBeLessThan(copies.indexOf(modules));
  });

  it('compiles the processes in the build stage (npm run build) and runs the bundle with the options and environment npm start -- --production uses', () => {
    expect(stage('build').some((i) => i.keyword === 'RUN' && /npm run build(\s|$)/.test(i.args))).toBe(true);
    const entrypoint = lastStage.find((i) => i.keyword === 'ENTRYPOINT')!;
    expect(JSON.parse(entrypoint.args)).toEqual(['node', ...compiledNodeOptions]);
    const environment = lastStage.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    for (const [name, value] of Object.entries(compiledEnvironment)) expect(environment).toContain(`${name}=${value}`);
    const [command] = JSON.parse(lastStage.find((i) => i.keyword === 'CMD')!.args);
    expect(services.map((service) => compiledEntry(service.entry))).toContain(command);
  });

  it('runs as a non-root user, with Node itself as PID 1 in exec form so SIGTERM reaches it', () => {
    expect(lastStage.find((i) => i.keyword === 'USER')?.args).toBe('node');
    expect(JSON.parse(lastStage.find((i) => i.keyword === 'ENTRYPOINT')!.args)[0]).toBe('node');
  });

  it('has a health check whose script exists and knows each compiled entry point', () => {
    const healthcheck = lastStage.find((i) => i.keyword === 'HEALTHCHECK')!;
    const script = /CMD \["node", "([^"]+)"\]/.exec(healthcheck.args)![1];
    const source = fs.readFileSync(path.join(projectRoot, script), 'utf8');
    for (const { entry } of services) {
      expect(source).toContain(`'${compiledEntry(entry)}'`);
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
