/**
 * `npm run start:prometheus`: Prometheus in the foreground on PROMETHEUS_PORT (9090), scraping the four processes
 * from Consul's catalog when CONSUL_HTTP_ADDR is set, else at their configured ports; alerts go to Alertmanager
 * on ALERTMANAGER_ADDRESS (127.0.0.1:9093) when one runs there.
 */
import path from 'node:path';
import { loadConfig } from '../config';
import { startPrometheus, targetsOf } from './prometheus';

async function main() {
  const config = loadConfig();
  const listen = `127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`;
  const server = await startPrometheus({
    targets: targetsOf(config),
    consulAddress: config.consulAddress,
    alertmanager: process.env.ALERTMANAGER_ADDRESS ?? '127.0.0.1:9093',
    listen,
    dataDir: path.join(config.dataDir, 'prometheus'),
  });
  console.log(`[prometheus] http://${listen} (${config.consulAddress ? `targets from Consul at ${config.consulAddress}` : 'targets on the configured ports'})`);
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

main().catch((error) => {
  console.error(`[prometheus] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
