import { startStubServices, type StubServices } from '../../support/stub-services';
import { json, signIn, startGateway, type Gateway } from './gateway-harness';

describe('with the supplier and the carrier unreachable', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('still lists the seeded catalog, with available null', async () => {
    const response = await gateway.request('/products');
    expect(response.status).toBe(200);
    const { items } = await response.json();
    expect(items.length).toBeGreaterThanOrEqual(4);
    expect(items[0]).toEqual({ id: expect.any(String), sku: 'SKU-1', name: expect.any(String), priceCents: 1250, available: null });
    expect(items.every((item: { available: unknown }) => item.available === null)).toBe(true);
  });

  it('answers 401 to a product write without a token and 403 to a USER', async () => {
    const body = json({ sku: 'NEW-1', name: 'New', priceCents: 100 });
    expect((await gateway.request('/products', { method: 'POST', ...body })).status).toBe(401);
    const user = await signIn(gateway);
    const forbidden = await gateway.request('/products', {
      method: 'POST',
      ...json({ sku: 'NEW-1', name: 'New', priceCents: 100 }, user.headers),
    });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('FORBIDDEN');
  });

  it('leaves no product behind when the supplier cannot take its stock', async () => {
    const admin = await signIn(gateway, 'ADMIN');
    const response = await gateway.request('/products', {
      method: 'POST',
      ...json({ sku: 'HALF-1', name: 'Half written', priceCents: 100, stock: 5 }, admin.headers),
    });
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe('SERVICE_UNAVAILABLE');
    expect(await gateway.store.product.findUnique({ where: { sku: 'HALF-1' } })).toBeNull();
  });

  it('answers 409 SKU_TAKEN for a SKU in the catalog', async () => {
    const admin = await signIn(gateway, 'ADMIN');
    const response = await gateway.request('/products', {
      method: 'POST',
      ...json({ sku: 'SKU-1', name: 'Again', priceCents: 100 }, admin.headers),
    });
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe('SKU_TAKEN');
  });

  it('updates and deletes a product, and answers 404 for an unknown SKU', async () => {
    const admin = await signIn(gateway, 'ADMIN');
    const patched = await gateway.request('/products/SKU-4', {
      method: 'PATCH',
      ...json({ priceCents: 5900 }, admin.headers),
    });
    expect(patched.status).toBe(200);
    expect((await patched.json()).product).toMatchObject({ sku: 'SKU-4', priceCents: 5900, available: null });

    const unknown = await gateway.request('/products/NOPE', { method: 'PATCH', ...json({ name: 'x' }, admin.headers) });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('NOT_FOUND');

    expect((await gateway.request('/products/SKU-4', { method: 'DELETE', headers: admin.headers })).status).toBe(204);
    expect((await gateway.request('/products/SKU-4', { method: 'DELETE', headers: admin.headers })).status).toBe(404);
  });

  it('refuses an empty update and a bad SKU in the path with field errors', async () => {
    const admin = await signIn(gateway, 'ADMIN');
    const empty = await gateway.request('/products/SKU-1', { method: 'PATCH', ...json({}, admin.headers) });
    expect(empty.status).toBe(400);
    const badSku = await gateway.request('/products/%20bad%20sku!', { method: 'DELETE', headers: admin.headers });
    expect(badSku.status).toBe(400);
    expect((await badSku.json()).error.details[0].path).toBe('sku');
  });

  it('answers 503 for inventory and deliveries, after the ADMIN check', async () => {
    const user = await signIn(gateway);
    expect((await gateway.request('/inventory/SKU-1', { headers: user.headers })).status).toBe(403);
    expect((await gateway.request('/deliveries/d-1', { headers: user.headers })).status).toBe(403);
    const admin = await signIn(gateway, 'ADMIN');
    const inventory = await gateway.request('/inventory/SKU-1', { headers: admin.headers });
    expect(inventory.status).toBe(503);
    expect((await inventory.json()).error.code).toBe('SERVICE_UNAVAILABLE');
    expect((await gateway.request('/deliveries/d-1', { headers: admin.headers })).status).toBe(503);
  });
});

describe('with a supplier answering over HTTP', () => {
  let supplier: StubServices;
  let gateway: Gateway;
  beforeAll(async () => {
    // An in-memory stand-in for the supplier's inventory routes.
    supplier = await startStubServices({ 'SKU-1': { available: 7, reserved: 2 } });
    gateway = await startGateway({ SUPPLIER_URL: supplier.url });
  });
  afterAll(async () => {
    await gateway.close();
    await supplier.close();
  });

  it('lists available stock from one inventory call, 0 where the supplier has none', async () => {
    const { items } = await (await gateway.request('/products')).json();
    const bySku = Object.fromEntries(items.map((item: { sku: string; available: number }) => [item.sku, item.available]));
    expect(bySku['SKU-1']).toBe(7);
    expect(bySku['SKU-2']).toBe(0);
  });

  it('creates a product and sets its stock at the supplier', async () => {
    const admin = await signIn(gateway, 'ADMIN');
    const response = await gateway.request('/products', {
      method: 'POST',
      ...json({ sku: 'MUG-1', name: 'Mug', priceCents: 900, stock: 12 }, admin.headers),
    });
    expect(response.status).toBe(201);
    expect((await response.json()).product).toEqual({ id: expect.any(String), sku: 'MUG-1', name: 'Mug', priceCents: 900, available: 12 });
    expect(supplier.stock.get('MUG-1')).toEqual({ available: 12, reserved: 0 });
  });

  it('proxies inventory reads and writes, passing a 404 through', async () => {
    const admin = await signIn(gateway, 'ADMIN');
    const put = await gateway.request('/inventory/SKU-2', { method: 'PUT', ...json({ available: 3 }, admin.headers) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ sku: 'SKU-2', available: 3, reserved: 0 });
    const get = await gateway.request('/inventory/SKU-1', { headers: admin.headers });
    expect(await get.json()).toEqual({ sku: 'SKU-1', available: 7, reserved: 2 });
    const missing = await gateway.request('/inventory/NONE', { headers: admin.headers });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
    const negative = await gateway.request('/inventory/SKU-1', { method: 'PUT', ...json({ available: -1 }, admin.headers) });
    expect(negative.status).toBe(400);
    expect((await negative.json()).error.details[0].path).toBe('available');
  });
});
