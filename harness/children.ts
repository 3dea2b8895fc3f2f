import type { ChildProcess } from 'node:child_process';

const alive = new Set<ChildProcess>();
let hooked = false;

/**
 * Ties `child` to this process: it is killed as this process exits, at its end, by `process.exit()` or of an uncaught
 * error, so a benchmark or a suite that dies half-way leaves no service or server running, polling and taking the CPU
 * of whatever runs next. A signal this process does not handle ends it without exit listeners; Ctrl-C reaches the
 * children that share its process group itself. A child that exits first is forgotten.
 */
export function endsWithThisProcess<T extends ChildProcess>(child: T): T {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  if (!hooked) {
    hooked = true;
    // 'exit' listeners run synchronously, as the process ends: a signal is all that can be sent.
    process.once('exit', () => {
      for (const running of alive) running.kill('SIGKILL');
    });
  }
  return child;
}
