/**
 * `npm run start:jaeger`: Jaeger v2 (built from Go modules by scripts/tools.ts) in the foreground with its default
 * all-in-one configuration: OTLP on 4317 (gRPC) and 4318 (HTTP), the query API on :16686, traces kept in memory.
 * Built this way its web UI is a placeholder (the UI's assets are not in the Go module); the API answers.
 */
import { runInForeground } from './foreground';
import { ensureTool } from './tools';

void runInForeground('jaeger', ensureTool('jaeger'), [], {
  banner: 'OTLP http://127.0.0.1:4318, query API http://127.0.0.1:16686/api/traces',
});
