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

/** `count` purchase rows of `userId`, `perMs` of them sharing each millisecond from `from` on (ties the id orders). */
async function insertPurchases(userId: string, count: number, from: Date, perMs = 1) {
  const rows = Array.from({ length: count }, (_, index) => {
    const id = crypto.randomUUID();
    const createdAt = new Date(from.getTime() + Math.floor(index / perMs));
    return {
      id,
      workflowId: purchaseWorkflowId(id),
      userId,
      status: 'COMPLETED',
      items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 1250 }],
      address: { ...order.address, country: 'PT' },
      totalCents: 1250,
      discountCents: 0,
      history: [{ status: 'RECEIVED', at: createdAt.toISOString() }],
      version: 3,
      createdAt,
    };
  });
  await gateway.store.purchase.createMany({ data: rows });
  return rows;
}

/** Newest first, the id breaking ties: the order GET /purchases promises. */
const newestFirst = (rows: { id: string; createdAt: Date }[]) =>
  [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((row) => row.id);

describe('paging through purchases', () => {
  const ids = (page: { items: { id: string }[] }) => page.items.map((purchase) => purchase.id);

  it('walks 500 purchases newest first, each once, while new ones arrive', async () => {
    const owner = await signIn(gateway);
    const other = await signIn(gateway);
    const hour = 3_600_000;
    const existing = await insertPurchases(owner.user.id, 500, new Date(Date.now() - hour), 3);
    await insertPurchases(other.user.id, 50, new Date(Date.now() - hour), 2);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ limit: '37', ...(cursor ? { cursor } : {}) });
      const response = await gateway.request(`/purchases?${query}`, { headers: owner.headers });
      expect(response.status).toBe(200);
      const page = await response.json();
      expect(page.items.length).toBeLessThanOrEqual(37);
      seen.push(...ids(page));
      cursor = page.nextCursor;
      pages += 1;
      // Purchases made while the client pages: newer than any page it has not read yet.
      await insertPurchases(owner.user.id, 2, new Date());
    } while (cursor);

    expect(pages).toBe(Math.ceil(500 / 37));
    expect(seen).toEqual(newestFirst(existing));
  });

  it('answers 50 by default and at most 200, and refuses a limit of 0, over 200 or not a whole number, naming it', async () => {
    const owner = await signIn(gateway);
    await insertPurchases(owner.user.id, 230, new Date(Date.now() - 60_000));

    const first = await (await gateway.request('/purchases', { headers: owner.headers })).json();
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).toEqual(expect.any(String));
    const widest = await (await gateway.request('/purchases?limit=200', { headers: owner.headers })).json();
    expect(widest.items).toHaveLength(200);
    const rest = await (await gateway.request(`/purchases?limit=200&cursor=${widest.nextCursor}`, { headers: owner.headers })).json();
    expect(rest.items).toHaveLength(30);
    expect(rest).not.toHaveProperty('nextCursor');
    expect((await (await gateway.request('/purchases?limit=1', { headers: owner.headers })).json()).items).toHaveLength(1);

    for (const limit of ['0', '201', '1000', '-1', '2.5', 'ten', '']) {
      const response = await gateway.request(`/purchases?limit=${limit}`, { headers: owner.headers });
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'limit' }] });
    }
  });

  it('pages ADMIN through everyone’s purchases, and a user through their own alone', async () => {
    const owner = await signIn(gateway);
    const other = await signIn(gateway);
    const admin = await signIn(gateway, 'ADMIN');
    const mine = await insertPurchases(owner.user.id, 60, new Date(Date.now() - 30_000));
    const theirs = await insertPurchases(other.user.id, 60, new Date(Date.now() - 30_000));

    const walk = async (headers: Record<string, string>) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await (await gateway.request(`/purchases?limit=25${cursor ? `&cursor=${cursor}` : ''}`, { headers })).json();
        seen.push(...ids(page));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    const everyone = await walk(admin.headers);
    expect(new Set(everyone).size).toBe(everyone.length);
    expect(everyone).toHaveLength(await gateway.store.purchase.count());
    expect(everyone).toEqual(expect.arrayContaining([...mine, ...theirs].map((row) => row.id)));
    expect(await walk(owner.headers)).toEqual(newestFirst(mine));

    // A cursor only says where a page starts: another user's cursor still shows the caller their own purchases alone.
    const adminPage = await (await gateway.request('/purchases?limit=1', { headers: admin.headers })).json();
    const borrowed = await (await gateway.request(`/purchases?cursor=${adminPage.nextCursor}`, { headers: other.headers })).json();
    expect(borrowed.items.every((purchase: { customerId: string }) => purchase.customerId === other.user.id)).toBe(true);
  });

  it('refuses a cursor it did not give with 400 naming `cursor`', async () => {
    const owner = await signIn(gateway);
    const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      'nonsense!',
      'bm90IGpzb24',
      encoded({ createdAt: 1, id: 'x' }),
      encoded([1.5, 'x']),
      encoded(['2030-01-01', 'x']),
      encoded([1, '']),
      encoded([1, 'x'.repeat(101)]),
      encoded([9e15, 'x']),
      'A'.repeat(201),
      '',
    ];
    for (const cursor of bad) {
      const response = await gateway.request(`/purchases?cursor=${encodeURIComponent(cursor)}`, { headers: owner.headers });
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'cursor', message: expect.any(String) }] });
    }
  });
});
