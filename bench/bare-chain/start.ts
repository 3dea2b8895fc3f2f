import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { bareQueues } from './workflow';

/**
 * The bare chain's three worker processes (bench/bare-chain/worker.ts), once each one polls its task queue; run with
 * `nodeOptions` before the entry, as the services are.
 */
export async function startBareWorkers(temporalAddress: string, nodeOptions: string[] = []): Promise<Record<keyof typeof bareQueues, ChildProcess>> {
  const entry = path.join(__dirname, 'worker.ts');
  const workers = Object.fromEntries(
    (Object.keys(bareQueues) as (keyof typeof bareQueues)[]).map((role) => [
      role,
      spawn(process.execPath, [...nodeOptions, '--import', 'tsx', entry, role], {
        env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    ]),
  ) as Record<keyof typeof bareQueues, ChildProcess>;
  await Promise.all(
    Object.values(workers).map(
      (child) => new Promise<void>((resolve) => child.stdout!.on('data', (chunk) => String(chunk).includes('polling') && resolve())),
    ),
  );
  return workers;
}

/** Stops the bare chain's workers (each drains and exits on SIGTERM) and waits until every one has exited. */
export async function stopBareWorkers(workers: Record<string, ChildProcess>): Promise<void> {
  await Promise.all(
    Object.values(workers).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }),
  );
}
