import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ESLint } from 'eslint';
import { projectRoot } from '../../../config';

/**
 * The workflow lint (eslint.config.mjs, after Temporal's samples) runs as part of npm test: the workflows pass it, and
 * a fixture full of what the sandbox cannot replay is refused line by line, so the rules are known to fire.
 * ESLint runs as its own process: it loads its configuration with import(), which jest's module sandbox refuses.
 */
const run = promisify(execFile);
const fixture = 'test/fixtures/lint/nondeterministic-workflow.ts';
let problems: string[];

beforeAll(async () => {
  const eslint = path.join(projectRoot, 'node_modules', 'eslint', 'bin', 'eslint.js');
  // Exit code 1 means problems were found; the JSON report says which.
  const { stdout } = await run(process.execPath, [eslint, '--format', 'json', 'workflows', fixture], {
    cwd: projectRoot,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
    if (error.code === 1 && error.stdout) return { stdout: error.stdout };
    throw new Error(`ESLint failed: ${error.stderr ?? error}`);
  });
  const results = JSON.parse(stdout) as ESLint.LintResult[];
  problems = results.flatMap((result) =>
    result.messages.map((message) => `${path.relative(projectRoot, result.filePath)}:${message.line} ${message.ruleId ?? message.message}`),
  );
}, 60_000);

describe('workflow lint', () => {
  it('finds nothing in workflows/', () => {
    expect(problems.filter((problem) => problem.startsWith('workflows/'))).toEqual([]);
  });

  it('refuses Node built-ins, clients, databases, floating promises and nondeterministic globals', () => {
    expect(problems.filter((problem) => problem.startsWith(fixture))).toEqual([
      `${fixture}:5 @typescript-eslint/no-restricted-imports`,
      `${fixture}:7 @typescript-eslint/no-restricted-imports`,
      `${fixture}:8 @typescript-eslint/no-restricted-imports`,
      `${fixture}:15 @typescript-eslint/no-floating-promises`,
      `${fixture}:16 @typescript-eslint/no-floating-promises`,
      `${fixture}:17 no-restricted-globals`,
      `${fixture}:18 no-restricted-globals`,
      `${fixture}:19 no-restricted-properties`,
    ]);
  });
});
