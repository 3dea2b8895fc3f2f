import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { projectRoot } from '../../../config';

const run = promisify(execFile);

/** Whether `pid` is still a running process (a zombie waiting for its parent's reaping has finished running). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** A process that starts a long child, prints its pid and then dies of an uncaught error, as a crashing benchmark does. */
async function childPidOfACrash(tie: boolean): Promise<number> {
  const script = `
    const { spawn } = require('node:child_process');
    const { endsWithThisProcess } = require('./harness/children');
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    ${tie ? 'endsWithThisProcess(child);' : ''}
    process.stdout.write(String(child.pid));
    setTimeout(() => { throw new Error('crashed half-way'); }, 50);`;
  const failed = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: projectRoot, timeout: 60_000 }).then(
    () => undefined,
    (error: { stdout: string; stderr: string }) => error,
  );
  expect(failed?.stderr).toContain('crashed half-way');
  return Number(failed!.stdout);
}

/**
 * A process that starts a long child in a process group of its own (as the Temporal dev server runs), prints its pid
 * and waits; then it gets `signal`, as a benchmark stopped with Ctrl-C does. Answers the child's pid and what ended the
 * process.
 */
async function childPidOfASignalledProcess(signal: NodeJS.Signals): Promise<{ pid: number; endedBy: NodeJS.Signals | null }> {
  const script = `
    const { spawn } = require('node:child_process');
    const { endsWithThisProcess } = require('./harness/children');
    const child = endsWithThisProcess(spawn('sleep', ['600'], { stdio: 'ignore', detached: true }));
    process.stdout.write(child.pid + '\\n');
    setInterval(() => undefined, 1000);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    let printed = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      if (printed.includes('\n')) resolve(Number(printed.trim()));
    });
    parent.once('exit', () => reject(new Error('the process ended before it printed its child')));
  });
  const ended = new Promise<NodeJS.Signals | null>((resolve) => parent.once('exit', (_code, endedBy) => resolve(endedBy)));
  parent.kill(signal);
  return { pid, endedBy: await ended };
}

/** Whether `pid` has stopped running within 5 s. */
async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return !running(pid);
}

describe('a child tied to the process that started it', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'is killed when that process is ended by %s, in a process group of its own too, and the signal still ends it',
    async (signal) => {
      const { pid, endedBy } = await childPidOfASignalledProcess(signal);
      try {
        expect({ endedBy, childGone: await gone(pid) }).toEqual({ endedBy: signal, childGone: true });
      } finally {
        if (running(pid)) process.kill(pid, 'SIGKILL');
      }
    },
    60_000,
  );

  it('is killed when that process dies of an uncaught error', async () => {
    const pid = await childPidOfACrash(true);
    expect(await gone(pid)).toBe(true);
  }, 60_000);

  it('outlives it when not tied (what the tie is for)', async () => {
    const pid = await childPidOfACrash(false);
    try {
      expect(running(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});
