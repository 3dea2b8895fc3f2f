import { spawn, type ChildProcess } from 'node:child_process';
import { ensureTool } from './tools';

/** Where `npm run start:consul` and `npm start -- --with consul` serve Consul's HTTP API and UI. */
export const consulDevAddress = '127.0.0.1:8500';

export interface ConsulDevAgentOptions {
  httpPort?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** `consul agent`'s arguments for dev mode (one server, state in memory) on `127.0.0.1:<httpPort>`. */
export function consulDevAgentArgs(options: ConsulDevAgentOptions = {}): string[] {
  const args = ['agent', '-dev', '-bind=127.0.0.1', '-client=127.0.0.1', `-http-port=${options.httpPort ?? 8500}`];
  // Dev mode logs at debug by default.
  args.push(`-log-level=${options.logLevel ?? 'info'}`);
  return args;
}

/** A Consul agent in dev mode (see consulDevAgentArgs) as a child process. */
export async function startConsulDevAgent(options: ConsulDevAgentOptions & { pipeOutput?: boolean } = {}): Promise<ChildProcess> {
  const binary = await ensureTool('consul');
  return spawn(binary, consulDevAgentArgs(options), {
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
