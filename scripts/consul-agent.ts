import { spawn, type ChildProcess } from 'node:child_process';
import { ensureTool } from './tools';

/** Where `npm run start:consul` and `npm start -- --with consul` serve Consul's HTTP API and UI. */
export const consulDevAddress = '127.0.0.1:8500';

/** A Consul agent in dev mode (one server, state in memory) on `127.0.0.1:<httpPort>`. */
export async function startConsulDevAgent(
  options: { httpPort?: number; pipeOutput?: boolean; logLevel?: 'debug' | 'info' | 'warn' | 'error' } = {},
): Promise<ChildProcess> {
  const binary = await ensureTool('consul');
  const args = ['agent', '-dev', '-bind=127.0.0.1', '-client=127.0.0.1', `-http-port=${options.httpPort ?? 8500}`];
  // Dev mode logs at debug by default.
  args.push(`-log-level=${options.logLevel ?? 'info'}`);
  return spawn(binary, args, {
    stdio: options.pipeOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
}

/** Resolves once the agent at `address` has a leader (it then answers KV and catalog calls); false after the timeout. */
export async function consulHasLeader(address: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leader = await fetch(`http://${address}/v1/status/leader`).then((answer) => answer.text()).catch(() => '');
    if (leader.includes(':')) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
