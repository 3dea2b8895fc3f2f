/**
 * The back-ends `npm start -- --with a,b` adds to the system: `consul` is a Consul agent every process registers
 * with and reads its settings from; `observability` is Jaeger and Prometheus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config';
import { consulDevAddress, consulHasLeader, freeOtherPorts, loopbackConsulPort, startConsulDevAgent } from './consul-agent';
import { startPrometheus, targetsOf } from './prometheus';
import { ensureTool } from './tools';

/** `--with a,b` and `--with=a,b`, repeatable. */
export function withOptions(argv: string[]): Set<string> {
  const names = new Set<string>();
  argv.forEach((arg, index) => {
    const value = arg === '--with' ? argv[index + 1] : arg.startsWith('--with=') ? arg.slice('--with='.length) : undefined;
    for (const name of value?.split(',') ?? []) if (name.trim()) names.add(name.trim());
  });
  return names;
}

/**
 * Starts Jaeger (OTLP on 4318, API on 16686) and Prometheus (PROMETHEUS_PORT, 9090). Answers the URLs to print.
 */
export async function startObservability(config: Config, track: (name: string, child: ChildProcess) => void): Promise<string[]> {
  const jaeger = spawn(await ensureTool('jaeger'), [], { stdio: ['ignore', 'pipe', 'pipe'] });
  track('jaeger', jaeger);
  const listen = `127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`;
  const prometheus = await startPrometheus({
    targets: targetsOf(config),
    consulAddress: config.consulAddress,
    listen,
    dataDir: path.join(config.dataDir, 'prometheus'),
    pipeOutput: true,
  });
  track('prometheus', prometheus);
  return [`Jaeger query API http://127.0.0.1:16686/api/traces`, `Prometheus http://${listen}`];
}

/**
 * Starts a Consul agent in dev mode on 127.0.0.1:8500 (or uses one that already answers there) and points every
 * process started after it at it, through `CONSUL_HTTP_ADDR` in this process's environment. A `CONSUL_HTTP_ADDR` of
 * 127.0.0.1 with a port moves the agent there, its other ports free ones. Answers the URLs to print.
 */
export async function startConsul(track: (name: string, child: ChildProcess) => void): Promise<string[]> {
  const port = loopbackConsulPort(process.env.CONSUL_HTTP_ADDR);
  const address = port ? `127.0.0.1:${port}` : consulDevAddress;
  if (!(await consulHasLeader(address, 500))) {
    const otherPorts = port ? await freeOtherPorts() : undefined;
    const agent = await startConsulDevAgent({ httpPort: port, otherPorts, pipeOutput: true, logLevel: 'warn', detached: true });
    track('consul', agent);
    if (!(await consulHasLeader(address))) throw new Error(`Consul on ${address} elected no leader`);
  }
  process.env.CONSUL_HTTP_ADDR = address;
  return [`Consul UI http://${address}`];
}
