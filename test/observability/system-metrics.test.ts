import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../config';
import { startPrometheus } from '../../scripts/prometheus';
import { sample, sumOf } from '../../harness/prometheus-text';
import { freePort, startSystem, type RunningSystem } from '../../harness/system';

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const toronto = { ...lisbon, city: 'Toronto', postalCode: 'M5V 2T6', country: 'CA' };

let system: RunningSystem;
/** The purchases made, by the X-Request-Id they were made with. */
const made = new Map<string, { purchaseId: string; traceparent: string | null }>();
const metricsOf = async (url: string) => {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
};

beforeAll(async () => {
  system = await startSystem({ env: { LOG_LEVEL: 'info' } });
  await system.stockedProduct('OBS-1', 10, 1000);
  const buyer = await system.newUser();
  // Two complete, one is refused before anything is reserved, one is compensated (the carrier does not serve Canada).
  const orders = [
    { items: [{ sku: 'OBS-1', quantity: 1 }], address: lisbon },
    { items: [{ sku: 'OBS-1', quantity: 2 }], address: lisbon },
    { items: [{ sku: 'OBS-1', quantity: 50 }], address: lisbon },
    { items: [{ sku: 'OBS-1', quantity: 1 }], address: toronto },
  ];
  for (const [index, body] of orders.entries()) {
    const answer = await system.api('POST', '/purchases', {
      token: buyer.token,
      body,
      headers: { 'X-Request-Id': `obs-request-${index}` },
    });
    expect(answer.status).toBe(202);
    made.set(`obs-request-${index}`, { purchaseId: answer.body.purchase.id, traceparent: answer.headers.get('traceparent') });
    await system.waitForPurchase(buyer.token, answer.body.purchase.id, ['COMPLETED', 'FAILED', 'CANCELLED']);
  }
}, 240_000);

let prometheus: ChildProcess | undefined;
afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await system?.stop();
});

describe('each process /metrics after four purchases', () => {
  it('the orchestrator counts each final status, the compensation, the refusal codes and the durations', async () => {
    const text = await metricsOf(system.urls.orchestrator);
    expect(sample(text, 'purchases_total', { status: 'COMPLETED' })).toBe(2);
    expect(sample(text, 'purchases_total', { status: 'FAILED' })).toBe(2);
    expect(sample(text, 'purchases_total', { status: 'CANCELLED' })).toBe(0);
    expect(sample(text, 'purchase_duration_seconds_count')).toBe(4);
    expect(sample(text, 'purchase_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'purchase_compensations_total', { status: 'FAILED' })).toBe(1);
    expect(sample(text, 'purchase_failures_total', { code: 'OUT_OF_STOCK' })).toBe(1);
    expect(sample(text, 'purchase_failures_total', { code: 'UNSERVED_COUNTRY' })).toBe(1);
    // The SDK's worker metrics. A workflow completes just after it recorded its final status: wait for the fourth.
    await system.waitUntil('the SDK counting four completed workflows', async () =>
      sumOf(await metricsOf(system.urls.orchestrator), 'temporal_workflow_completed_total', { task_queue: 'purchases' }) === 4,
    );
    expect(sumOf(text, 'temporal_num_pollers', { task_queue: 'purchases' })).toBeGreaterThan(0);
  });

  it('the gateway counts the purchase requests by route and status', async () => {
    const text = await metricsOf(system.urls.gateway);
    expect(sample(text, 'http_server_requests_total', { method: 'POST', route: '/purchases', status: '202' })).toBe(4);
    expect(sample(text, 'http_server_request_duration_seconds_count', { method: 'POST', route: '/purchases', status: '202' })).toBe(4);
  });

  it('the supplier and the carrier expose their HTTP and Temporal worker metrics', async () => {
    // A probe of each, as Consul's or Kubernetes' would be (the harness waits on /ready, which the worker answers itself).
    for (const url of [system.urls.supplier, system.urls.carrier]) expect((await fetch(`${url}/health`)).status).toBe(200);
    const supplier = await metricsOf(system.urls.supplier);
    expect(sumOf(supplier, 'http_server_requests_total', { route: '/health', status: '200' })).toBeGreaterThan(0);
    // Three purchases got to reserve stock (one was refused with OUT_OF_STOCK on its only attempt).
    expect(sumOf(supplier, 'temporal_activity_execution_latency_count', { activity_type: 'reserveStock' })).toBe(4);
    const carrier = await metricsOf(system.urls.carrier);
    expect(sumOf(carrier, 'http_server_requests_total', { route: '/health', status: '200' })).toBeGreaterThan(0);
    expect(sumOf(carrier, 'temporal_num_pollers', { task_queue: 'carrier' })).toBeGreaterThan(0);
  });
});

describe('logs', () => {
  const services = ['gateway', 'orchestrator', 'supplier', 'carrier'];
  const jsonLines = () =>
    system.logs.flatMap((line) => {
      const service = /^\[(\w+)\] \{/.exec(line)?.[1];
      return service && services.includes(service) ? [JSON.parse(line.slice(service.length + 3)) as Record<string, unknown>] : [];
    });

  it.each([
    ['a completed purchase', 'obs-request-0'],
    ['a compensated purchase', 'obs-request-3'],
  ])("%s: every process's lines about it carry the request id, the purchase and workflow ids and one trace id", (_, requestId) => {
    const { purchaseId, traceparent } = made.get(requestId)!;
    // The gateway answered the trace it started as a W3C traceparent: its trace id is the one every line carries.
    const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-0[01]$/.exec(traceparent ?? '')?.[1];
    expect(traceId).toBeDefined();
    const lines = jsonLines().filter((line) => line.requestId === requestId || line.purchaseId === purchaseId);
    expect([...new Set(lines.map((line) => line.service))].sort()).toEqual([...services].sort());
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({ requestId, purchaseId, workflowId: `purchase-${purchaseId}`, traceId }),
      );
    }
  });

  it("the gateway's line for a purchase request has the client's request id, the purchase id and the workflow id", async () => {
    const lines = system.logs
      .filter((line) => line.startsWith('[gateway] ') && line.includes('obs-request-0'))
      .map((line) => JSON.parse(line.slice('[gateway] '.length)) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        service: 'gateway',
        requestId: 'obs-request-0',
        purchaseId: expect.any(String),
        workflowId: expect.stringMatching(/^purchase-/),
        method: 'POST',
        status: 202,
      }),
    );
  });
});

describe('a real Prometheus scraping the four processes', () => {
  let api: string;
  const query = async (expr: string) => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: unknown[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  };

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const hostOf = (url: string) => new URL(url).host;
    prometheus = await startPrometheus({
      targets: {
        gateway: hostOf(system.urls.gateway),
        orchestrator: hostOf(system.urls.orchestrator),
        supplier: hostOf(system.urls.supplier),
        carrier: hostOf(system.urls.carrier),
      },
      listen: `127.0.0.1:${port}`,
      dataDir: path.join(system.dataDir, 'prometheus'),
      scrapeInterval: '1s',
      pipeOutput: true,
    });
    // Rates need two scrapes of every target; recording rules one evaluation after that.
    await system.waitUntil('Prometheus to scrape every target twice', async () => {
      const up = await query('count_over_time(up[1m]) >= 3');
      return up.length === 4;
    }, 60_000);
  }, 90_000);

  it('has all four targets up', async () => {
    const response = await fetch(`${api}/api/v1/targets`);
    const { data } = (await response.json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
    expect(data.activeTargets.map((target) => [target.labels.job, target.health]).sort()).toEqual([
      ['carrier', 'up'],
      ['gateway', 'up'],
      ['orchestrator', 'up'],
      ['supplier', 'up'],
    ]);
  });

  it("answers every query of every dashboard panel with data", async () => {
    const dir = path.join(projectRoot, 'deploy', 'grafana', 'dashboards');
    const queries = fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) => {
        const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
          panels: { title: string; targets: { expr: string }[] }[];
        };
        return dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));
      });
    expect(queries.length).toBeGreaterThanOrEqual(13);
    const empty: string[] = [];
    await system.waitUntil('every panel query to return data', async () => {
      empty.length = 0;
      for (const { panel, expr } of queries) if ((await query(expr)).length === 0) empty.push(`${panel}: ${expr}`);
      return empty.length === 0;
    }, 60_000).catch((error) => {
      throw new Error(`${error.message}\nWithout data:\n${empty.join('\n')}`);
    });
  });
});
