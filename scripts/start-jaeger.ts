/**
 * `npm run start:jaeger`: Jaeger v2 (built from Go modules by scripts/tools.ts) in the foreground, traces kept in
 * memory: OTLP on 4317 (gRPC) and 4318 (HTTP, or JAEGER_OTLP_PORT), the query API on 16686 (or JAEGER_QUERY_PORT).
 * Built this way its web UI is a placeholder (the UI's assets are not in the Go module); the API answers.
 */
import path from 'node:path';
import { loadConfig } from '../config';
import { runInForeground } from './foreground';
import { jaegerArgs, jaegerPorts } from './jaeger';
import { ensureTool } from './tools';

const ports = jaegerPorts();
void runInForeground('jaeger', ensureTool('jaeger'), () => jaegerArgs(ports, path.join(loadConfig().dataDir, 'jaeger')), {
  banner: `OTLP http://127.0.0.1:${ports.otlpHttp}, query API http://127.0.0.1:${ports.query}/api/traces`,
});
