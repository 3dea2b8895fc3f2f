import fs from 'node:fs';
import { scrapedServices } from './prometheus-config';

interface HealthEntry {
  Node: { Address: string };
  Service: { Address: string; Port: number };
}

/**
 * The passing instances of each scraped service in Consul's catalog, as Prometheus file_sd target groups; `token`
 * (CONSUL_HTTP_TOKEN) is sent when the agent wants one.
 */
export async function consulTargets(consulAddress: string, token?: string): Promise<{ targets: string[]; labels: { job: string } }[]> {
  const base = /^https?:\/\//.test(consulAddress) ? consulAddress : `http://${consulAddress}`;
  return Promise.all(
    scrapedServices.map(async (service) => {
      const response = await fetch(`${base}/v1/health/service/${service}?passing=true`, {
        signal: AbortSignal.timeout(5_000),
        headers: token ? { 'X-Consul-Token': token } : {},
      });
      if (!response.ok) throw new Error(`Consul at ${base} answered ${response.status} for service ${service}`);
      const entries = (await response.json()) as HealthEntry[];
      const targets = entries.map((entry) => `${entry.Service.Address || entry.Node.Address}:${entry.Service.Port}`);
      return { targets, labels: { job: service } };
    }),
  );
}

/**
 * Keeps `file` in step with Consul's catalog every `everyMs` (written whole and renamed, so Prometheus never reads
 * half a file). A Consul that does not answer leaves the last list in place. Answers a function that stops it.
 */
export function syncConsulTargets(
  consulAddress: string,
  file: string,
  everyMs = 10_000,
  onError?: (error: unknown) => void,
  token?: string,
) {
  if (!fs.existsSync(file)) fs.writeFileSync(file, '[]');
  const sync = async () => {
    try {
      const groups = await consulTargets(consulAddress, token);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(groups, null, 2));
      fs.renameSync(`${file}.tmp`, file);
    } catch (error) {
      onError?.(error);
    }
  };
  void sync();
  const timer = setInterval(() => void sync(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
