import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { projectRoot } from '../../config';
import { ensureTool } from '../../scripts/tools';

const run = promisify(execFile);
const folder = path.join(projectRoot, '.github', 'workflows');
const files = fs.readdirSync(folder).filter((name) => name.endsWith('.yml'));

describe('the GitHub Actions workflows', () => {
  it('pass actionlint', async () => {
    const actionlint = await ensureTool('actionlint');
    const { stdout } = await run(actionlint, ['-no-color', ...files.map((name) => path.join(folder, name))]);
    expect(stdout).toBe('');
  }, 60_000);

  it('pin every action to a version', () => {
    for (const name of files) {
      const uses = [...fs.readFileSync(path.join(folder, name), 'utf8').matchAll(/uses:\s*(\S+)/g)].map((match) => match[1]);
      for (const action of uses) expect(action).toMatch(/@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
    }
  });

  it('run the project’s own test command on PostgreSQL and MariaDB service containers', () => {
    const ci = parse(fs.readFileSync(path.join(folder, 'ci.yml'), 'utf8'));
    expect(Object.keys(ci.jobs.test.services).sort()).toEqual(['mysql', 'postgresql', 'redis']);
    const commands = ci.jobs.test.steps.map((step: { run?: string }) => step.run).filter(Boolean);
    expect(commands).toEqual(expect.arrayContaining(['npm run typecheck', 'npm test']));
  });

  it('build the image on every push and push it only for a version tag', () => {
    const images = parse(fs.readFileSync(path.join(folder, 'images.yml'), 'utf8'));
    const build = images.jobs.image.steps.find((step: { uses?: string }) => step.uses?.startsWith('docker/build-push-action'));
    expect(build.with.push).toBe("${{ startsWith(github.ref, 'refs/tags/v') }}");
  });
});
