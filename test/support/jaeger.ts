import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTool } from '../../scripts/tools';
import { freePort } from './system';

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/**
 * A real Jaeger v2 (the binary `npm run install:tools -- jaeger` builds) on ports of its own, traces in memory: OTLP
 * over HTTP in, the query API out. Its own telemetry is off, so it binds nothing else and runs beside other Jaegers.
 */
export async function startJaeger(dataDir: string) {
  const [otlpHttp, otlpGrpc, queryHttp, queryGrpc] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const config = `
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memory_store:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memory_store
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
    http:
      endpoint: 127.0.0.1:${queryHttp}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${otlpGrpc}
      http:
        endpoint: 127.0.0.1:${otlpHttp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memory_store
`;
  fs.mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'jaeger.yaml');
  fs.writeFileSync(configFile, config);
  const output: string[] = [];
  const child: ChildProcess = spawn(await ensureTool('jaeger'), ['--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk) => output.push(String(chunk)));
  const api = `http://127.0.0.1:${queryHttp}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`${api}/api/services`).then((response) => response.status, () => 0);
    if (status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Jaeger did not answer on ${api}:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    otlpEndpoint: `http://127.0.0.1:${otlpHttp}`,
    api,
    /** The trace with this id, or undefined while Jaeger has none of its spans. */
    async trace(traceId: string): Promise<JaegerTrace | undefined> {
      const response = await fetch(`${api}/api/traces/${traceId}`);
      if (response.status === 404) return undefined;
      const body = (await response.json()) as { data?: JaegerTrace[] };
      return body.data?.[0];
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}
export type RunningJaeger = Awaited<ReturnType<typeof startJaeger>>;
