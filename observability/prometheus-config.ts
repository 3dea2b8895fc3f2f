import path from 'node:path';
import { projectRoot } from '../config';

export const scrapedServices = ['gateway', 'orchestrator', 'supplier', 'carrier'] as const;
export type ScrapedService = (typeof scrapedServices)[number];

/**
 * Prometheus' configuration for the four processes: from Consul's catalog when Consul runs (every instance, on
 * whatever port it registered), else each process at its configured address. The rule files are the ones under
 * deploy/prometheus, which the Compose and Kubernetes set-ups load too. Written as JSON, which YAML readers accept.
 */
export function prometheusConfig(options: {
  targets: Record<ScrapedService, string>;
  consulAddress?: string;
  alertmanager?: string;
  scrapeInterval?: string;
}): string {
  const rulesDir = path.join(projectRoot, 'deploy', 'prometheus');
  const interval = options.scrapeInterval ?? '15s';
  const jobs = options.consulAddress
    ? [
        {
          job_name: 'purchase-saga',
          scrape_interval: interval,
          consul_sd_configs: [{ server: options.consulAddress.replace(/^https?:\/\//, ''), services: [...scrapedServices] }],
          relabel_configs: [{ source_labels: ['__meta_consul_service'], target_label: 'job' }],
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
