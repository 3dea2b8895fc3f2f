import path from 'node:path';
import { projectRoot } from '../config';

export const scrapedServices = ['gateway', 'orchestrator', 'supplier', 'carrier'] as const;
export type ScrapedService = (typeof scrapedServices)[number];

/**
 * Prometheus' configuration for the four processes: from Consul's catalog when Consul runs (every instance, on
 * whatever port it registered, written to `targetsFile` by `syncConsulTargets`: Debian's Prometheus is built without
 * Consul discovery), else each process at its configured address. The rule files are the ones under
 * deploy/prometheus, which the Compose and Kubernetes set-ups load too. Written as JSON, which YAML readers accept.
 */
export function prometheusConfig(options: {
  targets: Record<ScrapedService, string>;
  /** A file_sd file kept up to date from Consul's catalog; used instead of `targets` when given. */
  targetsFile?: string;
  alertmanager?: string;
  scrapeInterval?: string;
}): string {
  const rulesDir = path.join(projectRoot, 'deploy', 'prometheus');
  const interval = options.scrapeInterval ?? '15s';
  const jobs = options.targetsFile
    ? [
        {
          job_name: 'purchase-saga',
          scrape_interval: interval,
          // Each group in the file carries its `job` label (gateway, orchestrator, supplier, carrier).
          file_sd_configs: [{ files: [options.targetsFile], refresh_interval: '15s' }],
        },
      ]
    : scrapedServices.map((service) => ({
        job_name: service,
        scrape_interval: interval,
        static_configs: [{ targets: [options.targets[service]] }],
      }));
  return JSON.stringify(
    {
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: [path.join(rulesDir, 'recording-rules.yml'), path.join(rulesDir, 'alert-rules.yml')],
      ...(options.alertmanager
        ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] } }
        : {}),
      scrape_configs: jobs,
    },
    null,
    2,
  );
}
