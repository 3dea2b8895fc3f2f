import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTemporalDevServer, waitForPort } from '../../launch/temporal-dev-server';
import { startNpmStart, type NpmStart } from '../support/npm-start';
import { freePort } from '../../harness/system';

/** A free port whose neighbour below is free too (Jaeger's gRPC port sits just below its HTTP one). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const below = await new Promise<boolean>((resolve) => {
      const server = net.createServer().once('error', () => resolve(false));
      server.listen(port - 1, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (below) return port;
  }
}

/**
 * `npm start -- --with observability` as a person runs it (scripts/start.ts), on ports of its own, against a Temporal
 * dev server of the test's (a named server: `npm start` then starts no dev server of its own, nor shows its Web UI).
 */
describe('npm start output', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-output-'));
  let temporal: ChildProcess;
  let start: NpmStart;
  let gatewayPort: number;
  let jaegerQueryPort: number;
  let prometheusPort: number;

  beforeAll(async () => {
    const [temporalPort, uiPort] = await Promise.all([freePort(), freePort()]);
    [jaegerQueryPort, prometheusPort] = [await freePortPair(), await freePort()];
    const jaegerOtlpPort = await freePortPair();
    temporal = startTemporalDevServer(process.env.TEMPORAL_CLI!, {
      address: `127.0.0.1:${temporalPort}`,
      uiPort,
      namespace: 'default',
      dbFile: path.join(dataDir, 'temporal.db'),
      logLevel: 'error',
      pipeOutput: true,
    });
    await waitForPort('127.0.0.1', temporalPort);
    start = await startNpmStart({
      temporalAddress: `127.0.0.1:${temporalPort}`,
      dataDir,
      args: ['--with', 'observability'],
      env: {
        LOG_LEVEL: 'info',
        JAEGER_QUERY_PORT: String(jaegerQueryPort),
        JAEGER_OTLP_PORT: String(jaegerOtlpPort),
        PROMETHEUS_PORT: String(prometheusPort),
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    const gateway = start.ports.gateway;
    gatewayPort = gateway;
    const deadline = Date.now() + 150_000;
    while (!start.output().includes('Ctrl-C stops everything') && Date.now() < deadline && start.running()) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!start.output().includes('Ctrl-C stops everything')) throw new Error(`npm start did not get ready:\n${start.output()}`);
    // A purchase-free request after start: a service's info lines are shown from now on, readable.
    await fetch(`http://127.0.0.1:${gateway}/products`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }, 200_000);

  afterAll(async () => {
    await start?.ctrlC();
    if (temporal && temporal.exitCode === null) {
      const exited = new Promise((resolve) => temporal.once('exit', resolve));
      temporal.kill('SIGTERM');
      const forced = setTimeout(() => temporal.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(forced);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  const output = () => start.output();
  const lines = () => output().split('\n');

  it('has one ready line per process, each once', () => {
    for (const name of ['gateway', 'orchestrator', 'supplier', 'carrier']) {
      expect(lines().filter((line) => line.startsWith(`[start] ${name} ready`))).toHaveLength(1);
    }
  });

  it('prints the URLs once, at the end, after every ready line', () => {
    const all = lines();
    const docs = `http://127.0.0.1:${gatewayPort}/docs`;
    expect(all.filter((line) => line.includes(docs))).toHaveLength(1);
    expect(all.filter((line) => line === '[start] everything is ready:')).toHaveLength(1);
    const urlsAt = all.indexOf('[start] everything is ready:');
    const lastReady = Math.max(...all.map((line, index) => (/^\[start\] \w+ ready/.test(line) ? index : -1)));
    expect(urlsAt).toBeGreaterThan(lastReady);
    expect(all.slice(urlsAt + 1, urlsAt + 4)).toEqual([
      `  API docs ${docs}`,
      `  Jaeger query API http://127.0.0.1:${jaegerQueryPort}/api/traces`,
      `  Prometheus http://127.0.0.1:${prometheusPort}`,
    ]);
    expect(all.filter((line) => line.includes(`127.0.0.1:${jaegerQueryPort}`))).toHaveLength(1);
  });

  it('points the services at the Jaeger it started: a request shows up there as a gateway trace', async () => {
    const deadline = Date.now() + 30_000;
    let services: string[] = [];
    while (!services.includes('gateway') && Date.now() < deadline) {
      const answer = await fetch(`http://127.0.0.1:${jaegerQueryPort}/api/services`).then((response) => response.json(), () => ({}));
      services = (answer as { data?: string[] }).data ?? [];
      if (!services.includes('gateway')) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(services).toContain('gateway');
    const ready = await fetch(`http://127.0.0.1:${prometheusPort}/-/ready`);
    expect(ready.status).toBe(200);
  });

  it('shows no webpack output, no raw JSON and none of the start-up chatter', () => {
    expect(output()).not.toMatch(/webpack|modules by path|asset workflow-bundle|compiled successfully/i);
    // Every process line is readable (pino-pretty), not a JSON line.
    expect(lines().filter((line) => /^\[\w+\]\s+\{/.test(line))).toEqual([]);
    expect(output()).not.toMatch(/Migrated the|Worker state changed|No workflows registered/);
  });

  it("shows a service's own lines readably once everything is ready", () => {
    expect(output()).toMatch(/\[gateway\]\s+\[\d\d:\d\d:\d\d\] INFO: request \{.*"requestId"/);
  });
});
