import { purchaseWorkflowId } from '../../../contracts/temporal';
import { json, signIn, startGateway, type Gateway } from './gateway-harness';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const order = {
  items: [{ sku: 'SKU-1', quantity: 2 }],
  address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'pt' },
  voucher: { code: 'WELCOME10' },
};

/** A purchase row as the gateway and the store activity write it, for the read routes. */
async function insertPurchase(userId: string, createdAt: Date, idempotencyKey?: string) {
  const id = crypto.randomUUID();
  await gateway.store.purchase.create({
    data: {
      id,
      workflowId: purchaseWorkflowId(id),
      userId,
      idempotencyKey: idempotencyKey ?? null,
      status: 'ORDER_REQUESTED',
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
      address: { ...order.address, country: 'PT' },
      voucherCode: 'WELCOME10',
      totalCents: 2250,
      discountCents: 250,
      supplier: { orderId: 'so-1', name: 'Acme' },
      history: [
        { status: 'RECEIVED', at: createdAt.toISOString() },
        { status: 'ORDER_REQUESTED', at: createdAt.toISOString() },
      ],
      version: 1,
      createdAt,
    },
  });
  return id;
}

describe('making a purchase', () => {
  it('needs a signed-in user', async () => {
    expect((await gateway.request('/purchases', { method: 'POST', ...json(order) })).status).toBe(401);
  });

  it('names the invalid field of an item by its path', async () => {
    const user = await signIn(gateway);
    const response = await gateway.request('/purchases', {
      method: 'POST',
      ...json({ ...order, items: [{ sku: 'SKU-1', quantity: 0 }] }, user.headers),
    });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual([{ path: 'items.0.quantity', message: expect.any(String) }]);
  });

  it('refuses client-side prices: the request body is strict', async () => {
    const user = await signIn(gateway);
    const response = await gateway.request('/purchases', {
      method: 'POST',
      ...json({ ...order, totalCents: 1 }, user.headers),
    });
    expect(response.status).toBe(400);
  });

  it('refuses unknown fields inside items, address and voucher instead of dropping them', async () => {
    const user = await signIn(gateway);
    const sneaky = [
      { ...order, items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1 }] },
      { ...order, address: { ...order.address, instructions: 'leave at door' } },
      { ...order, voucher: { code: 'WELCOME10', percent: 100 } },
    ];
    const paths = [];
    for (const body of sneaky) {
      const response = await gateway.request('/purchases', { method: 'POST', ...json(body, user.headers) });
      expect(response.status).toBe(400);
      paths.push((await response.json()).error.details[0].path);
    }
    expect(paths).toEqual(['items.0', 'address', 'voucher']);
  });

  it('refuses a purchase whose total outgrows the store’s amounts, before starting anything', async () => {
    const user = await signIn(gateway);
    await gateway.store.product.create({ data: { id: crypto.randomUUID(), sku: 'GOLD-1', name: 'Gold', priceCents: 100_000_000 } });
    const response = await gateway.request('/purchases', {
      method: 'POST',
      ...json({ ...order, items: [{ sku: 'GOLD-1', quantity: 22 }] }, user.headers),
    });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'items', message: expect.stringMatching(/at most/) }] });
    expect(await gateway.store.purchase.count({ where: { userId: user.user.id } })).toBe(0);
  });

  it('refuses an Idempotency-Key longer than 200 characters', async () => {
    const user = await signIn(gateway);
    const response = await gateway.request('/purchases', {
      method: 'POST',
      ...json(order, { ...user.headers, 'idempotency-key': 'k'.repeat(201) }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.details[0].path).toBe('idempotency-key');
  });

  it('refuses an Idempotency-Key reused with a different body (422), and answers the same body with the one purchase', async () => {
    const user = await signIn(gateway);
    const id = await insertPurchase(user.user.id, new Date(), 'order-42');
    const send = (body: unknown) =>
      gateway.request('/purchases', { method: 'POST', ...json(body, { ...user.headers, 'idempotency-key': 'order-42' }) });

    const other = await send({ ...order, items: [{ sku: 'SKU-1', quantity: 3 }] });
    expect(other.status).toBe(422);
    const { error } = await other.json();
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_KEY_MISMATCH', details: [{ path: 'Idempotency-Key' }] });
    const elsewhere = await send({ ...order, address: { ...order.address, city: 'Porto' } });
    expect(elsewhere.status).toBe(422);

    const same = await send(order);
    expect(same.status).toBe(202);
    expect((await same.json()).purchase.id).toBe(id);
    expect(await gateway.store.purchase.count({ where: { userId: user.user.id } })).toBe(1);
  });

  it('answers 503 and keeps no purchase when Temporal is unreachable', async () => {
    const user = await signIn(gateway);
    const response = await gateway.request('/purchases', {
      method: 'POST',
      ...json(order, { ...user.headers, 'idempotency-key': 'first-try' }),
    });
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe('SERVICE_UNAVAILABLE');
    expect(await gateway.store.purchase.count({ where: { userId: user.user.id } })).toBe(0);
  });
});

describe('reading purchases', () => {
  it('shows a purchase to its owner and to ADMIN, and 404 to anyone else', async () => {
    const owner = await signIn(gateway);
    const stranger = await signIn(gateway);
    const admin = await signIn(gateway, 'ADMIN');
    const id = await insertPurchase(owner.user.id, new Date());

    const mine = await gateway.request(`/purchases/${id}`, { headers: owner.headers });
    expect(mine.status).toBe(200);
    expect((await mine.json()).purchase).toEqual({
      id,
      workflowId: `purchase-${id}`,
      customerId: owner.user.id,
      status: 'ORDER_REQUESTED',
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
      address: { ...order.address, country: 'PT' },
      voucher: { code: 'WELCOME10' },
      totalCents: 2250,
      discountCents: 250,
      supplier: { orderId: 'so-1', name: 'Acme' },
      history: [
        { status: 'RECEIVED', at: expect.any(String) },
        { status: 'ORDER_REQUESTED', at: expect.any(String) },
      ],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await gateway.request(`/purchases/${id}`, { headers: admin.headers })).status).toBe(200);
    const hidden = await gateway.request(`/purchases/${id}`, { headers: stranger.headers });
    expect(hidden.status).toBe(404);
    expect((await hidden.json()).error.code).toBe('NOT_FOUND');
    const cancel = await gateway.request(`/purchases/${id}/cancel`, { method: 'POST', headers: stranger.headers });
    expect(cancel.status).toBe(404);
  });

  it('waits with ?wait= and answers the record as it is when the time is up, also with Temporal out of reach', async () => {
    const owner = await signIn(gateway);
    const id = await insertPurchase(owner.user.id, new Date());
    // Temporal is unreachable here, so the wait cannot hear the saga end: it answers the record at the deadline.
    const waiting = gateway.request(`/purchases/${id}?wait=3s`, { headers: owner.headers });
    setTimeout(() => {
      gateway.store.purchase.update({ where: { id }, data: { status: 'COMPLETED', version: 3 } }).catch(() => undefined); // a Prisma query runs only once awaited or chained
    }, 300);
    const finished = await waiting;
    expect(finished.status).toBe(200);
    expect((await finished.json()).purchase.status).toBe('COMPLETED');

    const other = await insertPurchase(owner.user.id, new Date());
    const timedOut = await gateway.request(`/purchases/${other}?wait=300ms`, { headers: owner.headers });
    expect((await timedOut.json()).purchase.status).toBe('ORDER_REQUESTED');

    for (const wait of ['31s', 'soon', '-1s']) {
      const refused = await gateway.request(`/purchases/${id}?wait=${wait}`, { headers: owner.headers });
      expect(refused.status).toBe(400);
      expect((await refused.json()).error.details[0].path).toBe('wait');
    }
  });

  it('lists the caller’s own purchases newest first, and everyone’s to ADMIN', async () => {
    const owner = await signIn(gateway);
    const other = await signIn(gateway);
    const admin = await signIn(gateway, 'ADMIN');
    const older = await insertPurchase(owner.user.id, new Date(Date.now() - 60_000));
    const newer = await insertPurchase(owner.user.id, new Date());
    const others = await insertPurchase(other.user.id, new Date());

    const mine = await (await gateway.request('/purchases', { headers: owner.headers })).json();
    expect(mine.items.map((purchase: { id: string }) => purchase.id)).toEqual([newer, older]);
    const all = await (await gateway.request('/purchases', { headers: admin.headers })).json();
    expect(all.items.map((purchase: { id: string }) => purchase.id)).toEqual(expect.arrayContaining([older, newer, others]));
  });

  it('answers 400 for a purchase id that is not a UUID and for an unknown status filter', async () => {
    const user = await signIn(gateway);
    const badId = await gateway.request('/purchases/not-a-uuid', { headers: user.headers });
    expect(badId.status).toBe(400);
    expect((await badId.json()).error.details[0].path).toBe('id');
    const badQuery = await gateway.request('/purchases?status=SHIPPED', { headers: user.headers });
    expect(badQuery.status).toBe(400);
    expect((await badQuery.json()).error.details[0].path).toBe('status');
  });

  it('refuses a wait longer than 30s or not a duration, naming the field', async () => {
    const owner = await signIn(gateway);
    const id = await insertPurchase(owner.user.id, new Date());
    for (const wait of ['31s', '30001ms', 'soon', '-1s', '1h', '', '%20', 'x'.repeat(101)]) {
      const response = await gateway.request(`/purchases/${id}?wait=${wait}`, { headers: owner.headers });
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'wait', message: expect.stringContaining('30s') }] });
    }
  });

  it('answers 503 to a cancel while Temporal is unreachable', async () => {
    const owner = await signIn(gateway);
    const id = await insertPurchase(owner.user.id, new Date());
    const response = await gateway.request(`/purchases/${id}/cancel`, {
      method: 'POST',
      ...json({ reason: 'changed my mind' }, owner.headers),
    });
    expect(response.status).toBe(503);
  });
});
