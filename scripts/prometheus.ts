/**
 * Prometheus (Debian's package, installed by scripts/tools.ts) scraping the four processes, with the rule files under
 * deploy/prometheus. `npm run start:prometheus` runs it in the foreground; tests start one on free ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { syncConsulTargets } from '../observability/consul-targets';
import { prometheusConfig, type ScrapedService } from '../observability/prometheus-config';
import { ensureTool } from './tools';

export interface PrometheusOptions {
  /** Where each process answers `/metrics` (host:port), unless Consul's catalog is used. */
  targets: Record<ScrapedService, string>;
  consulAddress?: string;
  /** CONSUL_HTTP_TOKEN, for reading the catalog of an agent with ACLs. */
  consulToken?: string;
  alertmanager?: string;
  /** host:port Prometheus serves its UI and API on. */
  listen: string;
  dataDir: string;
  scrapeInterval?: string;
  pipeOutput?: boolean;
  /** A process group of its own: a Ctrl-C reaches only whoever started it, who stops it after the services. */
  detached?: boolean;
}

/** Each process's `/metrics` address from the configuration (the ports `npm start` uses). */
export function targetsOf(config: Config): Record<ScrapedService, string> {
  const host = config.services.host === '0.0.0.0' ? '127.0.0.1' : config.services.host;
  return {
    gateway: `${host}:${config.gateway.port}`,
    orchestrator: `${host}:${config.orchestrator.metricsPort}`,
    supplier: `${host}:${config.services.supplier.port}`,
    carrier: `${host}:${config.services.carrier.port}`,
  };
}

/**
 * Prometheus's arguments: writes its configuration under `dataDir` and, with Consul, starts keeping the file of
 * targets from Consul's catalog current.
 */
export function prometheusArgs(options: PrometheusOptions): string[] {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const configFile = path.join(options.dataDir, 'prometheus.yml');
  const targetsFile = options.consulAddress ? path.join(options.dataDir, 'consul-targets.json') : undefined;
  if (options.consulAddress && targetsFile) {
    syncConsulTargets(
      options.consulAddress,
      targetsFile,
      10_000,
      (error) => console.error(`[prometheus] Consul's catalog: ${error instanceof Error ? error.message : error}`),
      options.consulToken,
    );
  }
  fs.writeFileSync(configFile, prometheusConfig({ ...options, targetsFile }));
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(options.dataDir, 'tsdb')}`,
    `--web.listen-address=${options.listen}`,
    '--log.level=warn',
  ];
}

export async function startPrometheus(options: PrometheusOptions): Promise<ChildProcess> {
  const binary = await ensureTool('prometheus');
  return spawn(binary, prometheusArgs(options), {
    stdio: options.pipeOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    detached: options.detached,
  });
}
