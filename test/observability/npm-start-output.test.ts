import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTemporalDevServer, waitForPort } from '../../launch/temporal-dev-server';
import { startNpmStart, type NpmStart } from '../support/npm-start';
import { freePort } from '../../harness/system';

/** Registers a buyer and places one purchase of the seeded catalog with `requestId`; answers it once it has ended. */
async function onePurchase(gateway: string, requestId: string): Promise<{ id: string; status: string }> {
  const json = { 'content-type': 'application/json' };
  const account = { email: `follow-${Date.now()}@example.com`, password: 'correct-horse-battery', name: 'Ada' };
  const registered = await fetch(`${gateway}/auth/register`, { method: 'POST', headers: json, body: JSON.stringify(account) });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const login = await fetch(`${gateway}/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}`);
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}` };
  const created = await fetch(`${gateway}/purchases`, {
    method: 'POST',
    headers: { ...json, ...auth, 'x-request-id': requestId },
    body: JSON.stringify({
      items: [{ sku: 'SKU-2', quantity: 1 }],
      address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
    }),
  });
  if (created.status !== 202) throw new Error(`POST /purchases answered ${created.status}: ${await created.text()}`);
  const { id } = ((await created.json()) as { purchase: { id: string } }).purchase;
  for (;;) {
    const read = await fetch(`${gateway}/purchases/${id}`, { headers: auth });
    const { purchase } = (await read.json()) as { purchase: { id: string; status: string } };
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(purchase.status)) return purchase;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

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
  const followedRequestId = 'followed-purchase-1';
  let purchase: { id: string; status: string };

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
        // The purchase below completes without waiting out a cancellation window.
        PURCHASE_CANCEL_WINDOW: '0s',
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
    purchase = await onePurchase(`http://127.0.0.1:${gateway}`, followedRequestId);
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

  it('lets a person follow one purchase by its request id: the gateway’s request, then each activity on its worker', () => {
    expect(purchase.status).toBe('COMPLETED');
    const followed = lines().filter((line) => line.includes(`"requestId":"${followedRequestId}"`));
    const processOf = (line: string) => /^\[(\w+)\]/.exec(line)?.[1];
    expect([...new Set(followed.map(processOf))].sort()).toEqual(['carrier', 'gateway', 'orchestrator', 'supplier']);
    // Each a readable line: the gateway's POST, each worker's activities by name.
    expect(followed).toContainEqual(expect.stringMatching(/^\[gateway\]\s+\[\d\d:\d\d:\d\d\] INFO: request \{.*"method":"POST".*"status":202/));
    expect(followed).toContainEqual(expect.stringMatching(/^\[supplier\]\s+\[\d\d:\d\d:\d\d\] INFO: reserveStock completed \{/));
    expect(followed).toContainEqual(expect.stringMatching(/^\[carrier\]\s+\[\d\d:\d\d:\d\d\] INFO: scheduleDelivery completed \{/));
    expect(followed).toContainEqual(expect.stringMatching(/^\[orchestrator\]\s+\[\d\d:\d\d:\d\d\] INFO: \w+ completed \{/));
    expect(followed.filter((line) => !line.includes(`"purchaseId":"${purchase.id}"`))).toEqual([]);
  });

  // Last: it stops the system. Each worker's SDK says "Worker state changed" at info as it stops.
  it("keeps the Temporal SDK's own info lines out through Ctrl-C, while each service's own lines show", async () => {
    await start.ctrlC();
    const afterCtrlC = lines().slice(lines().indexOf('[start] stopping all processes…'));
    for (const worker of ['orchestrator', 'supplier', 'carrier']) {
      expect(afterCtrlC).toContainEqual(expect.stringMatching(new RegExp(`^\\[${worker}\\]\\s+\\[\\d\\d:\\d\\d:\\d\\d\\] INFO: Worker drained`)));
    }
    expect(output()).not.toMatch(/Worker state changed/);
    expect(lines().filter((line) => /"sdkComponent"/.test(line) && !/ (WARN|ERROR|FATAL): /.test(line))).toEqual([]);
  }, 120_000);
});
