import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../net/ports';
import { ensureTool } from './tools';

/** Where `npm run start:consul` and `npm start -- --with consul` serve Consul's HTTP API and UI. */
export const consulDevAddress = '127.0.0.1:8500';

export interface ConsulDevAgentOptions {
  httpPort?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Its other ports (dev mode's fixed 8300-8302, 8502-8503 and 8600 otherwise), for an agent beside others. */
  otherPorts?: { server: number; serfLan: number; serfWan: number; grpc: number; grpcTls: number; dns: number };
}

/** `consul agent`'s arguments for dev mode (one server, state in memory) on `127.0.0.1:<httpPort>`. */
export function consulDevAgentArgs(options: ConsulDevAgentOptions = {}): string[] {
  const args = ['agent', '-dev', '-bind=127.0.0.1', '-client=127.0.0.1', `-http-port=${options.httpPort ?? 8500}`];
  const other = options.otherPorts;
  if (other) {
    args.push(`-server-port=${other.server}`, `-serf-lan-port=${other.serfLan}`, `-serf-wan-port=${other.serfWan}`,
      `-grpc-port=${other.grpc}`, `-grpc-tls-port=${other.grpcTls}`, `-dns-port=${other.dns}`);
  }
  // Dev mode logs at debug by default.
  args.push(`-log-level=${options.logLevel ?? 'info'}`);
  return args;
}

/** Free ports for a dev agent's other ports (see ConsulDevAgentOptions.otherPorts). */
export async function freeOtherPorts(): Promise<NonNullable<ConsulDevAgentOptions['otherPorts']>> {
  const [server, serfLan, serfWan, grpc, grpcTls, dns] = await Promise.all(Array.from({ length: 6 }, freePort));
  return { server, serfLan, serfWan, grpc, grpcTls, dns };
}

/**
 * A Consul agent in dev mode (see consulDevAgentArgs) as a child process. `detached` puts it in a process group of its
 * own, so that a Ctrl-C reaches only the supervisor, which stops it after the processes registered with it.
 */
export async function startConsulDevAgent(
  options: ConsulDevAgentOptions & { pipeOutput?: boolean; detached?: boolean } = {},
): Promise<ChildProcess> {
  const binary = await ensureTool('consul');
  return spawn(binary, consulDevAgentArgs(options), {
    stdio: options.pipeOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    detached: options.detached,
  });
}

/**
 * The port of `CONSUL_HTTP_ADDR` when it names a plain-HTTP agent on 127.0.0.1 with an explicit port (as
 * `127.0.0.1:18500` or `http://127.0.0.1:18500`): where `npm start -- --with consul` may start one of its own.
 */
export function loopbackConsulPort(address: string | undefined): number | undefined {
  if (!address) return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(address) ? address : `http://${address}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || !url.port) return undefined;
  return Number(url.port);
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
