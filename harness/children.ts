import type { ChildProcess } from 'node:child_process';
import { onExit } from 'signal-exit';

const alive = new Set<ChildProcess>();
let hooked = false;

/**
 * Ties `child` to this process: it is killed as this process ends, at its end, by `process.exit()`, of an uncaught
 * error or of a signal that ends it (Ctrl-C, SIGTERM, SIGHUP), so a benchmark or a suite that dies or is stopped
 * half-way leaves no service or server running, polling and taking the CPU of whatever runs next. That includes a
 * child in a process group of its own (the Temporal dev server), which Ctrl-C in a terminal does not reach. A child
 * that exits first is forgotten.
 */
export function endsWithThisProcess<T extends ChildProcess>(child: T): T {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  if (!hooked) {
    hooked = true;
    // Runs synchronously, as the process ends: a signal is all that can be sent. signal-exit then lets a signal end
    // the process as it would have, unless the process handles that signal itself.
    onExit(() => {
      for (const running of alive) running.kill('SIGKILL');
    });
  }
  return child;
}
