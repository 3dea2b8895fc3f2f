/** The back-ends `npm start -- --with a,b` adds to the system: `observability` is Jaeger and Prometheus. */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config';
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
  track('jaeger', await startJaeger({ ports, dataDir: path.join(config.dataDir, 'jaeger'), pipeOutput: true }));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT ||= `http://127.0.0.1:${ports.otlpHttp}`;
  const listen = `127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`;
  const prometheus = await startPrometheus({
    targets: targetsOf(config),
    consulAddress: config.consulAddress,
    listen,
    dataDir: path.join(config.dataDir, 'prometheus'),
    pipeOutput: true,
  });
  track('prometheus', prometheus);
  return [`Jaeger query API http://127.0.0.1:${ports.query}/api/traces`, `Prometheus http://${listen}`];
}

/** Starts a back-end's processes (handing each to `track`) and answers the URL lines to print once all is ready. */
export type StartBackend = (config: Config, track: (name: string, child: ChildProcess) => void) => Promise<string[]>;

/** The back-ends `--with` knows, in the order they start. */
export const backends: Record<string, StartBackend> = {
  observability: startObservability,
};

/** Starts the named back-ends in order; answers their URL lines. */
export async function startBackends(
  names: Set<string>,
  config: Config,
  track: (name: string, child: ChildProcess) => void,
): Promise<string[]> {
  for (const name of names) if (!(name in backends)) console.log(`[start] --with ${name}: no such back-end (${Object.keys(backends).join(', ')})`);
  const urls: string[] = [];
  for (const [name, start] of Object.entries(backends)) if (names.has(name)) urls.push(...(await start(config, track)));
  return urls;
}
