import { spawn } from 'node:child_process';

export interface ForegroundOptions {
  /** Printed before the binary starts: where it listens. */
  banner?: string;
  /** Own process group, so a Ctrl-C reaches only this process, which then stops the binary with SIGTERM. */
  detached?: boolean;
  /** The binary's stdin; its stdout and stderr are always this process's. */
  stdin?: 'inherit' | 'ignore';
}

/**
 * `npm run start:<label>`: runs `binary args` in the foreground, forwards SIGINT and SIGTERM to it as SIGTERM and
 * exits with it (0 when a signal stopped it). A failure to prepare it is printed under `[label]` and exits 1.
 */
export function runInForeground(
  label: string,
  binary: string | Promise<string>,
  args: string[] | (() => string[]),
  options: ForegroundOptions = {},
): Promise<void> {
  return (async () => {
    const resolved = await binary;
    const argv = typeof args === 'function' ? args() : args;
    if (options.banner) console.log(`[${label}] ${options.banner}`);
    const child = spawn(resolved, argv, { stdio: [options.stdin ?? 'inherit', 'inherit', 'inherit'], detached: options.detached });
    const stop = () => child.kill('SIGTERM');
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
  })().catch((error) => {
    console.error(`[${label}] ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
