import { sample, sumOf } from '../support/prometheus-text';
import { startSystem, type RunningSystem } from '../support/system';

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const toronto = { ...lisbon, city: 'Toronto', postalCode: 'M5V 2T6', country: 'CA' };

let system: RunningSystem;
const metricsOf = async (url: string) => {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
};

beforeAll(async () => {
  system = await startSystem();
  const admin = await system.adminToken();
  const created = await system.api('POST', '/products', {
    token: admin,
    body: { sku: 'OBS-1', name: 'Observed', priceCents: 1000, stock: 10 },
  });
  expect(created.status).toBe(201);
  const buyer = await system.newUser();
  // Two complete, one is refused before anything is reserved, one is compensated (the carrier does not serve Canada).
  const orders = [
    { items: [{ sku: 'OBS-1', quantity: 1 }], address: lisbon },
    { items: [{ sku: 'OBS-1', quantity: 2 }], address: lisbon },
    { items: [{ sku: 'OBS-1', quantity: 50 }], address: lisbon },
    { items: [{ sku: 'OBS-1', quantity: 1 }], address: toronto },
  ];
  for (const body of orders) {
    const answer = await system.api('POST', '/purchases', { token: buyer.token, body });
    expect(answer.status).toBe(202);
    await system.waitForPurchase(buyer.token, answer.body.purchase.id, ['COMPLETED', 'FAILED', 'CANCELLED']);
  }
}, 240_000);

afterAll(() => system?.stop());

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
    // The SDK's worker metrics: workflow tasks ran on the purchases queue.
    expect(sumOf(text, 'temporal_workflow_completed_total', { task_queue: 'purchases' })).toBe(4);
    expect(sumOf(text, 'temporal_num_pollers', { task_queue: 'purchases' })).toBeGreaterThan(0);
  });

  it('the gateway counts the purchase requests by route and status', async () => {
    const text = await metricsOf(system.urls.gateway);
    expect(sample(text, 'http_server_requests_total', { method: 'POST', route: '/purchases', status: '202' })).toBe(4);
    expect(sample(text, 'http_server_request_duration_seconds_count', { method: 'POST', route: '/purchases', status: '202' })).toBe(4);
  });

  it('the supplier and the carrier expose their HTTP and Temporal worker metrics', async () => {
    const supplier = await metricsOf(system.urls.supplier);
    expect(sumOf(supplier, 'http_server_requests_total', { route: '/health', status: '200' })).toBeGreaterThan(0);
    // Three purchases got to reserve stock (one was refused with OUT_OF_STOCK on its only attempt).
    expect(sumOf(supplier, 'temporal_activity_execution_latency_count', { activity_type: 'reserveStock' })).toBe(4);
    const carrier = await metricsOf(system.urls.carrier);
    expect(sumOf(carrier, 'http_server_requests_total', { route: '/health', status: '200' })).toBeGreaterThan(0);
    expect(sumOf(carrier, 'temporal_num_pollers', { task_queue: 'carrier' })).toBeGreaterThan(0);
  });
});
