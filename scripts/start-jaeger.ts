/**
 * `npm run start:jaeger`: Jaeger v2 (built from Go modules by scripts/tools.ts) in the foreground with its default
 * all-in-one configuration: OTLP on 4317 (gRPC) and 4318 (HTTP), the query API on :16686, traces kept in memory.
 * Built this way its web UI is a placeholder (the UI's assets are not in the Go module); the API answers.
 */
import { spawn } from 'node:child_process';
import { ensureTool } from './tools';

async function main() {
  const binary = await ensureTool('jaeger');
  console.log('[jaeger] OTLP http://127.0.0.1:4318, query API http://127.0.0.1:16686/api/traces');
  const server = spawn(binary, [], { stdio: 'inherit' });
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

main().catch((error) => {
  console.error(`[jaeger] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
