/**
 * Jaeger v2 (built from Go modules by scripts/tools.ts) with traces in memory, on the ports given: OTLP in over HTTP
 * and gRPC, the query API out. Its own telemetry is off, so it binds nothing else and runs beside another Jaeger.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTool } from './tools';

export interface JaegerPorts {
  /** OTLP over HTTP, where the processes send their spans (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlpHttp: number;
  otlpGrpc: number;
  /** The query API (`/api/traces/<trace id>`) and the UI's address. */
  query: number;
  queryGrpc: number;
}

/** Jaeger's own defaults (4318, 4317, 16686, 16685); `JAEGER_OTLP_PORT` and `JAEGER_QUERY_PORT` move the HTTP ports, each gRPC one sits just below. */
export function jaegerPorts(env: NodeJS.ProcessEnv = process.env): JaegerPorts {
  const otlpHttp = Number(env.JAEGER_OTLP_PORT || 4318);
  const query = Number(env.JAEGER_QUERY_PORT || 16686);
  return { otlpHttp, otlpGrpc: otlpHttp - 1, query, queryGrpc: query - 1 };
}

export function jaegerConfig(ports: JaegerPorts, host = '127.0.0.1'): string {
  return `service:
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
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memory_store
    grpc:
      endpoint: ${host}:${ports.queryGrpc}
    http:
      endpoint: ${host}:${ports.query}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${host}:${ports.otlpGrpc}
      http:
        endpoint: ${host}:${ports.otlpHttp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memory_store
`;
}

/** Writes Jaeger's configuration for `ports` into `dataDir`; answers the arguments that start it with it. */
export function jaegerArgs(ports: JaegerPorts, dataDir: string): string[] {
  fs.mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'jaeger.yaml');
  fs.writeFileSync(configFile, jaegerConfig(ports));
  return ['--config', configFile];
}

/**
 * Starts Jaeger with its configuration written into `dataDir`. `detached` puts it in a process group of its own, so a
 * Ctrl-C reaches only whoever started it, who stops it after the services have sent their last spans.
 */
export async function startJaeger(options: { ports: JaegerPorts; dataDir: string; pipeOutput?: boolean; detached?: boolean }): Promise<ChildProcess> {
  const binary = await ensureTool('jaeger');
  return spawn(binary, jaegerArgs(options.ports, options.dataDir), {
    stdio: options.pipeOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    detached: options.detached,
  });
}
