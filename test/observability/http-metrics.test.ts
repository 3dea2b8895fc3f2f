import { createSupplierApi } from '../../activities/supplier/http';
import { sample } from '../../harness/prometheus-text';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { startGateway, type Gateway } from '../unit/api/gateway-harness';

describe('gateway /metrics', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '4' });
  });
  afterAll(() => gateway.close());

  it('counts requests by method, matched route and status, refusals included', async () => {
    // No GET route for one product: unmatched. PATCH needs a session: refused by middleware, counted on its route.
    for (const id of ['a', 'b']) expect((await gateway.request(`/products/${id}-missing`)).status).toBe(404);
    expect((await gateway.request('/products/SKU-9', { method: 'PATCH' })).status).toBe(401);
    expect((await gateway.request('/products')).status).toBe(200);
    // The rate limit (4 a minute) refuses the fifth.
    expect((await gateway.request('/products')).status).toBe(429);

    const response = await gateway.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'http_server_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(2);
    expect(sample(text, 'http_server_requests_total', { method: 'PATCH', route: '/products/:sku', status: '401' })).toBe(1);
    expect(sample(text, 'http_server_requests_total', { method: 'GET', route: '/products', status: '200' })).toBe(1);
    expect(sample(text, 'http_server_requests_total', { method: 'GET', route: '/products', status: '429' })).toBe(1);
    expect(
      sample(text, 'http_server_request_duration_seconds_count', { method: 'GET', route: '/products', status: '200' }),
    ).toBe(1);
    // No raw ids in labels: the path's ids never become a route label.
    expect(text).not.toContain('a-missing');
    expect(text).toContain('process_resident_memory_bytes');
  });
});

describe('supplier API /metrics', () => {
  let dbs: TestDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases('sqlite');
  });
  afterAll(() => dbs.drop());

  it('counts the owner API requests with the same names', async () => {
    const api = createSupplierApi(dbs.supplier);
    expect((await api.request('/inventory/SKU-1')).status).toBe(404);
    expect((await api.request('/nope')).status).toBe(404);
    const text = await (await api.request('/metrics')).text();
    expect(sample(text, 'http_server_requests_total', { method: 'GET', route: '/inventory/:sku', status: '404' })).toBe(1);
    expect(sample(text, 'http_server_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
  });
});
