import { startJaeger } from '../../scripts/jaeger';
import { freePort } from '../../harness/system';

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

/** A real Jaeger v2 (scripts/jaeger.ts) on free ports, for a test of its own; answers once its query API does. */
export async function startTestJaeger(dataDir: string) {
  const [otlpHttp, otlpGrpc, query, queryGrpc] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const child = await startJaeger({ ports: { otlpHttp, otlpGrpc, query, queryGrpc }, dataDir, pipeOutput: true });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk) => output.push(String(chunk)));
  const api = `http://127.0.0.1:${query}`;
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
export type RunningJaeger = Awaited<ReturnType<typeof startTestJaeger>>;
