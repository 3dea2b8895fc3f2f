/**
 * `npm run start:prometheus`: Prometheus in the foreground on PROMETHEUS_PORT (9090), scraping the four processes
 * from Consul's catalog when CONSUL_HTTP_ADDR is set, else at their configured ports; alerts go to Alertmanager
 * on ALERTMANAGER_ADDRESS (127.0.0.1:9093) when one runs there.
 */
import path from 'node:path';
import { loadConfig } from '../config';
import { runInForeground } from './foreground';
import { prometheusArgs, targetsOf } from './prometheus';
import { ensureTool } from './tools';

const config = loadConfig();
const listen = `127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`;
const options = {
  targets: targetsOf(config),
  consulAddress: config.consulAddress,
  consulToken: config.consulToken,
  alertmanager: process.env.ALERTMANAGER_ADDRESS ?? '127.0.0.1:9093',
  listen,
  dataDir: path.join(config.dataDir, 'prometheus'),
};
void runInForeground('prometheus', ensureTool('prometheus'), () => prometheusArgs(options), {
  banner: `http://${listen} (${config.consulAddress ? `targets from Consul at ${config.consulAddress}` : 'targets on the configured ports'})`,
});
