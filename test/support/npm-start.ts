import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../config';
import { freePort } from '../../net/ports';

export interface NpmStart {
  /** The services' HTTP ports, each a free one. */
  ports: { gateway: number; supplier: number; carrier: number; orchestrator: number };
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  running(): boolean;
  exited: Promise<void>;
  /** Ctrl-C as a terminal sends it: SIGINT to its process group; resolves once it exited (SIGKILL after 90 s). */
  ctrlC(): Promise<void>;
}

/**
 * `npm start` (scripts/start.ts, or through npm itself with `viaNpm`) as a person runs it, on free ports and in
 * `dataDir`, against the Temporal server at `temporalAddress`: a named server, so it starts no dev server of its own.
 */
export async function startNpmStart(options: {
  temporalAddress: string;
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
  viaNpm?: boolean;
}): Promise<NpmStart> {
  const [gateway, supplier, carrier, orchestrator] = await Promise.all(Array.from({ length: 4 }, freePort));
  const args = options.args ?? [];
  const [command, argv] = options.viaNpm
    ? ['npm', ['start', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/start.ts'), ...args]];
  const child = spawn(command, argv, {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATA_DIR: options.dataDir,
      TEMPORAL_ADDRESS: options.temporalAddress,
      PORT: String(gateway),
      SUPPLIER_PORT: String(supplier),
      CARRIER_PORT: String(carrier),
      ORCHESTRATOR_PORT: String(orchestrator),
      SUPPLIER_URL: `http://127.0.0.1:${supplier}`,
      CARRIER_URL: `http://127.0.0.1:${carrier}`,
      CONSUL_HTTP_ADDR: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as in a terminal: Ctrl-C reaches the group, not the test.
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    ports: { gateway, supplier, carrier, orchestrator },
    output: () => output,
    running,
    exited,
    async ctrlC() {
      if (!running()) return;
      process.kill(-child.pid!, 'SIGINT');
      const forced = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
      await exited;
      clearTimeout(forced);
    },
  };
}
