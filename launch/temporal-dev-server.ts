import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config';
import { hostAndPort } from '../config/temporal';
import { searchAttributes } from '../contracts/temporal';

/** The CLI spells search attribute types its own way. */
const cliTypeNames: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** Resolves once something accepts TCP connections on host:port, or rejects after the timeout. */
export async function waitForPort(host: string, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await portAnswers(host, port)) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface DevServerOptions {
  address: string;
  uiPort: number;
  namespace: string;
  dbFile: string;
  logLevel?: string;
  /** Serve the server's own Prometheus metrics (requests and persistence calls by operation) on this port. */
  metricsPort?: number;
  /** The codec server the Web UI decodes payloads with (the gateway's /codec). */
  uiCodecEndpoint?: string;
}

const singlePartition = ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'];

/**
 * `temporal server start-dev`'s arguments: its state in a SQLite file (purchases in flight survive a restart), the
 * Web UI, the purchase search attributes registered at start-up, and one partition per task queue. Creates the state
 * file's folder.
 */
export function devServerArgs(options: DevServerOptions): string[] {
  const { host, port } = hostAndPort(options.address);
  fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    options.dbFile,
    '--log-level',
    options.logLevel ?? 'warn',
    // One partition per task queue: partitions spread a queue over matching hosts, and this server is one host. With
    // the default four, a task lands on a partition whose pollers are busy elsewhere and is forwarded or written to
    // its backlog; under load that costs the server more per task as concurrency grows (README, Performance).
    ...singlePartition.flatMap((setting) => ['--dynamic-config-value', setting]),
    ...Object.values(searchAttributes).flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeNames[key.type]}`]),
  ];
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  if (options.metricsPort) args.push('--metrics-port', String(options.metricsPort));
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  return args;
}

/** The Temporal dev server (see devServerArgs) as a child process. */
export function startTemporalDevServer(cli: string, options: DevServerOptions & { pipeOutput?: boolean }): ChildProcess {
  // Own process group: a Ctrl-C reaches the supervisor, which stops Temporal last.
  return spawn(cli, devServerArgs(options), {
    stdio: options.pipeOutput ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
}

export function devServerOptions(config: Config) {
  return {
    address: config.temporal.address,
    uiPort: config.temporal.uiPort,
    namespace: config.temporal.namespace,
    dbFile: path.join(config.dataDir, 'temporal.db'),
    uiCodecEndpoint: `http://127.0.0.1:${config.gateway.port}/codec`,
  };
}

/** The dev server's Web UI, as `npm start` prints it: the one origin the codec server answers with credentials. */
export const devServerUiOrigin = (config: Config) => `http://127.0.0.1:${config.temporal.uiPort}`;
