/**
 * The back-ends `npm start -- --with a,b` adds to the system: `consul` is a Consul agent every process registers
 * with and reads its settings from; `observability` is Jaeger and Prometheus.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig, type Config } from '../config';
import { consulDevAddress, consulHasLeader, freeOtherPorts, loopbackConsulPort, startConsulDevAgent } from './consul-agent';
import { jaegerPorts, startJaeger } from './jaeger';
import { startPrometheus, targetsOf } from './prometheus';

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
 * Starts Jaeger (OTLP on JAEGER_OTLP_PORT, 4318; API on JAEGER_QUERY_PORT, 16686) and Prometheus (PROMETHEUS_PORT,
 * 9090), and points the services started after it at Jaeger unless OTEL_EXPORTER_OTLP_ENDPOINT names another
 * collector. Answers the URLs to print.
 */
export async function startObservability(config: Config, track: (name: string, child: ChildProcess) => void): Promise<string[]> {
  const ports = jaegerPorts();
  // Process groups of their own, as Consul's: Ctrl-C reaches npm start alone, which stops the services first, so their
  // last spans still reach Jaeger.
  track('jaeger', await startJaeger({ ports, dataDir: path.join(config.dataDir, 'jaeger'), pipeOutput: true, detached: true }));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT ||= `http://127.0.0.1:${ports.otlpHttp}`;
  const listen = `127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`;
  const prometheus = await startPrometheus({
    targets: targetsOf(config),
    consulAddress: config.consulAddress,
    consulToken: config.consulToken,
    listen,
    dataDir: path.join(config.dataDir, 'prometheus'),
    pipeOutput: true,
    detached: true,
  });
  track('prometheus', prometheus);
  return [`Jaeger query API http://127.0.0.1:${ports.query}/api/traces`, `Prometheus http://${listen}`];
}

/** Starts a back-end's processes (handing each to `track`) and answers the URL lines to print once all is ready. */
export type StartBackend = (config: Config, track: (name: string, child: ChildProcess) => void) => Promise<string[]>;

/** The back-ends `--with` knows, in the order they start. */
export const backends: Record<string, StartBackend> = {
  // First: the back-ends after it and every service find Consul through the CONSUL_HTTP_ADDR it sets.
  consul: (_config, track) => startConsul(track),
  observability: startObservability,
};

/** Starts the named back-ends in order; answers their URL lines. */
export async function startBackends(names: Set<string>, track: (name: string, child: ChildProcess) => void): Promise<string[]> {
  for (const name of names) if (!(name in backends)) console.log(`[start] --with ${name}: no such back-end (${Object.keys(backends).join(', ')})`);
  const urls: string[] = [];
  // The configuration is read again for each: a back-end before it may have set where it is (CONSUL_HTTP_ADDR).
  for (const [name, start] of Object.entries(backends)) if (names.has(name)) urls.push(...(await start(loadConfig(), track)));
  return urls;
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
