import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../config';
import { connectStore } from '../../prisma/clients';
import { freePort } from '../../harness/system';

/**
 * The gateway as a real process, Temporal away (it serves its database routes all the same). Answers once its own API
 * serves (its database migrated and the app up), or with `until: 'health'` as soon as `/health` answers: while it still
 * waits for its database.
 */
export async function startGatewayProcess(env: Record<string, string>, options: { until?: 'api' | 'health' } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-process-'));
  const [port, temporalPort] = await Promise.all([freePort(), freePort()]);
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'api/main.ts')], {
    cwd: projectRoot,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, CONSUL_HTTP_ADDR: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk) => output.push(...String(chunk).split('\n').filter(Boolean)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  // Until its API is up, the gateway answers /ready itself, naming only what it waits for; its own /ready names
  // Temporal's state too.
  const serving = async () => {
    if (options.until === 'health') return (await fetch(`${url}/health`)).status === 200;
    const ready = await fetch(`${url}/ready`);
    const body = (await ready.json()) as { error?: { details?: Record<string, string> } };
    return ready.status === 200 || body.error?.details?.temporal !== undefined;
  };
  while (!(await serving().catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the gateway did not start:\n${output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    output,
    pid: child.pid!,
    running: () => child.exitCode === null && child.signalCode === null,
    store: connectStore(`file:${path.join(dataDir, 'store.db')}`),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

