/**
 * `npm run start:jaeger`: Jaeger v2 (built from Go modules by scripts/tools.ts) in the foreground, traces kept in
 * memory: OTLP on 4317 (gRPC) and 4318 (HTTP, or JAEGER_OTLP_PORT), the query API on 16686 (or JAEGER_QUERY_PORT).
 * Built this way its web UI is a placeholder (the UI's assets are not in the Go module); the API answers.
 */
import path from 'node:path';
import { loadConfig } from '../config';
import { jaegerPorts, startJaeger } from './jaeger';

async function main() {
  const ports = jaegerPorts();
  const server = await startJaeger({ ports, dataDir: path.join(loadConfig().dataDir, 'jaeger') });
  console.log(`[jaeger] OTLP http://127.0.0.1:${ports.otlpHttp}, query API http://127.0.0.1:${ports.query}/api/traces`);
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

main().catch((error) => {
  console.error(`[jaeger] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
