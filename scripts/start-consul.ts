/**
 * `npm run start:consul`: a Consul agent (built from Go modules by scripts/tools.ts) in dev mode, in the foreground:
 * HTTP API and UI on 127.0.0.1:8500, state kept in memory. Point processes at it with `CONSUL_HTTP_ADDR=127.0.0.1:8500`.
 */
import { consulDevAddress, startConsulDevAgent } from './consul-agent';

async function main() {
  console.log(`[consul] HTTP API and UI on http://${consulDevAddress} (CONSUL_HTTP_ADDR=${consulDevAddress})`);
  const agent = await startConsulDevAgent();
  const stop = () => agent.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  agent.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

main().catch((error) => {
  console.error(`[consul] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
