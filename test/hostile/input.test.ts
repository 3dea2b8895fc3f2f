import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import fc from 'fast-check';
import { createStoreActivities } from '../../activities/store/activities';
import { taskQueues } from '../../contracts/temporal';
import { createTemporalTestEnvironment } from '../support/temporal-env';
import { workflowSinks } from '../../observability/temporal-tracing';
import { workflowBundleFor } from '../../workers/workflow-bundle';
import {
  cancelBody,
  deeplyNested,
  hostileNumber,
  hostileString,
  loginBody,
  productBody,
  productPatchBody,
  purchaseBody,
  rawBody,
  registerBody,
  stockBody,
  validAddress,
} from './arbitraries';
import {
  bearer,
  expectOrderlyAnswer,
  signIn,
  startHostileGateway,
  startStubServices,
  storeSnapshot,
  untilRecorded,
  type HostileGateway,
  type StubServices,
} from './hostile-harness';

/**
 * Hostile input against the gateway on a real SQLite store and a real Temporal dev server, with only the orchestrator's
 * worker: a started saga writes its record, then waits for the supplier that never comes. Every answer must be a 2xx or a 4xx in the contract's error shape, never a 5xx; a refusal writes nothing.
 */
let temporal: TestWorkflowEnvironment;
let services: StubServices;
let gateway: HostileGateway;
let user: { token: string; user: { id: string } };
let admin: { token: string };
let orchestrator: Worker;
let orchestrating: Promise<void>;

beforeAll(async () => {
  [temporal, services] = await Promise.all([createTemporalTestEnvironment(), startStubServices()]);
  gateway = await startHostileGateway({
    env: { SUPPLIER_URL: services.url, CARRIER_URL: services.url },
    temporal: temporal.client,
    temporalTimeoutMs: 5_000,
  });
  // The saga writes the purchase record; the gateway's 202 waits for it. The workers' prebuilt workflow bundle.
  orchestrator = await Worker.create({
    connection: temporal.nativeConnection,
    taskQueue: taskQueues.purchases,
    workflowBundle: await workflowBundleFor(require.resolve('../../workflows')),
    sinks: workflowSinks(),
    activities: createStoreActivities(gateway.store),
  });
  orchestrating = orchestrator.run();
  user = await signIn(gateway);
  admin = await signIn(gateway, 'ADMIN');
  // The most expensive product the schema allows, so that totals can outgrow what the store's columns hold.
  await gateway.store.product.create({
    data: { id: crypto.randomUUID(), sku: 'PRICEY-1', name: 'Very expensive', priceCents: 100_000_000 },
  });
}, 180_000);

afterAll(async () => {
  orchestrator?.shutdown();
  await orchestrating;
  await gateway?.close();
  await services?.close();
  await temporal?.teardown();
  // No hostile key may have reached a prototype.
  expect(({} as Record<string, unknown>).role).toBeUndefined();
});

type Who = 'anyone' | 'user' | 'admin';
const tokenFor = (who: Who) => (who === 'user' ? user.token : who === 'admin' ? admin.token : undefined);

async function send(
  method: string,
  path: string,
  options: { who?: Who; body?: string; contentType?: string | null; headers?: Record<string, string> } = {},
) {
  const token = tokenFor(options.who ?? 'anyone');
  const headers: Record<string, string> = { ...(token ? bearer(token) : {}), ...options.headers };
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  return gateway.request(path, { method, headers, ...(options.body === undefined ? {} : { body: options.body }) });
}

const settings = (numRuns: number) => ({ numRuns, endOnFailure: true });
const unknownPurchaseId = '00000000-0000-4000-8000-000000000000';

/** The routes with a body: who may call them, and bodies shaped like theirs. */
const anAddress = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
/** The routes with a body: who may call them, bodies shaped like theirs, and one valid body that gets through. */
const bodyRoutes = [
  { method: 'POST', path: '/auth/register', who: 'anyone', body: registerBody, valid: { email: 'valid@example.com', password: 'a long password' } },
  { method: 'POST', path: '/auth/login', who: 'anyone', body: loginBody, valid: { email: 'valid@example.com', password: 'wrong password' } },
  { method: 'POST', path: '/products', who: 'admin', body: productBody, valid: { sku: 'VALID-1', name: 'Valid', priceCents: 100 } },
  { method: 'PATCH', path: '/products/SKU-2', who: 'admin', body: productPatchBody, valid: { name: 'Renamed' } },
  { method: 'PUT', path: '/inventory/SKU-3', who: 'admin', body: stockBody, valid: { available: 7 } },
  { method: 'POST', path: '/purchases', who: 'user', body: purchaseBody, valid: { items: [{ sku: 'SKU-1', quantity: 1 }], address: anAddress } },
  { method: 'POST', path: `/purchases/${unknownPurchaseId}/cancel`, who: 'user', body: cancelBody, valid: { reason: 'x' } },
] as const;

describe('bodies', () => {
  it.each(bodyRoutes)(
    '$method $path answers any body with a 2xx or a 4xx in the error shape, and a refusal writes nothing',
    async (route) => {
      const body = fc.oneof(
        { arbitrary: (route.body as fc.Arbitrary<unknown>).map((value) => JSON.stringify(value)), weight: 3 },
        { arbitrary: rawBody, weight: 1 },
      );
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          const before = await storeSnapshot(gateway, services);
          const response = await send(route.method, route.path, { who: route.who, body: text });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const answer = await expectOrderlyAnswer(response);
          if (route.path === '/purchases' && response.status === 202) await untilRecorded(gateway, answer.purchase.id);
          const after = await storeSnapshot(gateway, services);
          if (response.status >= 400) {
            expect(after).toEqual(before);
          } else {
            // Even an accepted body makes no ADMIN and starts at most one purchase.
            expect(after.admins).toBe(before.admins);
            expect(after.purchases - before.purchases).toBeLessThanOrEqual(1);
          }
          if (route.path === '/purchases' && response.status === 202) {
            const description = await temporal.client.workflow.getHandle(answer.purchase.workflowId).describe();
            expect(description.type).toBe('purchase');
          }
        }),
        { ...settings(40), examples: [[JSON.stringify(route.valid)]] },
      );
      // The runs reached both the refusals and the handler behind them (2xx, or 401/404 for unknown credentials or ids).
      expect(statuses.has(400)).toBe(true);
      expect([...statuses.keys()].some((status) => status !== 400)).toBe(true);
    },
  );

  it('refuses JSON nested thousands deep with 400, on every body route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes), deeplyNested, async (route, text) => {
        const before = await storeSnapshot(gateway, services);
        await expectOrderlyAnswer(await send(route.method, route.path, { who: route.who, body: text }), [400]);
        expect(await storeSnapshot(gateway, services)).toEqual(before);
      }),
      settings(30),
    );
    const deepInAField = JSON.stringify({ items: [{ sku: 'SKU-1', quantity: 1 }], address: { name: 'x' } }).replace(
      '"x"',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    );
    await expectOrderlyAnswer(await send('POST', '/purchases', { who: 'user', body: deepInAField }), [400]);
  });

  it('refuses __proto__ and constructor keys, makes no ADMIN, and pollutes no prototype', async () => {
    const attempts = [
      '{"email":"proto1@example.com","password":"a long password","__proto__":{"role":"ADMIN"}}',
      '{"email":"proto2@example.com","password":"a long password","constructor":{"prototype":{"role":"ADMIN"}}}',
      '{"__proto__":{"role":"ADMIN"},"email":"proto3@example.com","password":"a long password","role":"ADMIN"}',
    ];
    for (const body of attempts) {
      const answer = await expectOrderlyAnswer(await send('POST', '/auth/register', { body }), [400]);
      expect(answer.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await gateway.store.user.count({ where: { email: { startsWith: 'proto' } } })).toBe(0);
    const nested = {
      items: [JSON.parse('{"sku":"SKU-1","quantity":1,"__proto__":{"unitPriceCents":0}}')],
      address: JSON.parse('{"name":"A","street":"S","city":"C","postalCode":"1","country":"PT","__proto__":{"country":"XX"}}'),
    };
    const before = await storeSnapshot(gateway, services);
    await expectOrderlyAnswer(await send('POST', '/purchases', { who: 'user', body: JSON.stringify(nested) }), [400]);
    expect(await storeSnapshot(gateway, services)).toEqual(before);
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect(({} as Record<string, unknown>).unitPriceCents).toBeUndefined();
  });
});

describe('content types and sizes', () => {
  const notJson = fc.constantFrom(
    null,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'text/html; charset=utf-8',
    'application/jsonx',
    'application/json;',
    'image/png',
    'application/octet-stream',
  );

  it('answers 400 VALIDATION_FAILED to a body that is not sent as JSON, on every body route, writing nothing', async () => {
    const body = fc.oneof(fc.constant(undefined), rawBody.filter((text) => text.length > 0));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes), notJson, body, async (route, contentType, raw) => {
        const text = raw ?? JSON.stringify(route.valid);
        const before = await storeSnapshot(gateway, services);
        const answer = await expectOrderlyAnswer(await send(route.method, route.path, { who: route.who, body: text, contentType }), [400]);
        expect(answer.error.code).toBe('VALIDATION_FAILED');
        expect(await storeSnapshot(gateway, services)).toEqual(before);
      }),
      settings(60),
    );
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over 64 KiB, with or without Content-Length, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodyRoutes),
        fc.integer({ min: 64 * 1024 + 1, max: 512 * 1024 }),
        fc.boolean(),
        async (route, size, withLength) => {
          const text = JSON.stringify({ ...route.valid, name: 'x'.repeat(size) });
          const before = await storeSnapshot(gateway, services);
          const headers: Record<string, string> = withLength ? { 'content-length': String(Buffer.byteLength(text)) } : {};
          const answer = await expectOrderlyAnswer(await send(route.method, route.path, { who: route.who, body: text, headers }), [413]);
          expect(answer.error.code).toBe('PAYLOAD_TOO_LARGE');
          expect(await storeSnapshot(gateway, services)).toEqual(before);
        },
      ),
      settings(30),
    );
  });

  it('answers 413 before authentication when the client declares an oversized body', async () => {
    for (const route of bodyRoutes) {
      const text = 'x'.repeat(70 * 1024);
      const response = await gateway.request(route.path, {
        method: route.method,
        headers: { 'content-type': 'application/json', 'content-length': String(text.length) },
        body: text,
      });
      await expectOrderlyAnswer(response, [413]);
    }
  });
});

describe('paths', () => {
  const pathRoutes = [
    { method: 'PATCH', path: (x: string) => `/products/${x}`, who: 'admin', body: '{"name":"renamed"}' },
    { method: 'DELETE', path: (x: string) => `/products/${x}`, who: 'admin' },
    { method: 'GET', path: (x: string) => `/inventory/${x}`, who: 'admin' },
    { method: 'PUT', path: (x: string) => `/inventory/${x}`, who: 'admin', body: '{"available":1}' },
    { method: 'GET', path: (x: string) => `/deliveries/${x}`, who: 'admin' },
    { method: 'GET', path: (x: string) => `/orders/${x}`, who: 'admin' },
    { method: 'GET', path: (x: string) => `/purchases/${x}`, who: 'user' },
    { method: 'POST', path: (x: string) => `/purchases/${x}/cancel`, who: 'user', body: '{}' },
  ] as const;
  // A URL cannot carry a lone surrogate: those strings are left to the body tests.
  const encodable = hostileString.filter((text) => !/[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')));
  const segment = fc.oneof(
    encodable.map(encodeURIComponent),
    fc.constantFrom('%2e%2e', '%2E', '..%2f..%2fhealth', '%2fetc%2fpasswd', '%00', '%ZZ', '%E0%A4%A', 'a%2Fb', '%20SKU-1', 'SKU-1%20'),
    fc.uuid(),
  );

  it('answers any path parameter with a 4xx in the error shape (or the resource), never a 5xx, changing nothing refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pathRoutes), segment, async (route, x) => {
        const before = await storeSnapshot(gateway, services);
        const response = await send(route.method, route.path(x), {
          who: route.who,
          ...('body' in route ? { body: route.body } : { contentType: null }),
        });
        await expectOrderlyAnswer(response);
        if (response.status >= 400) expect(await storeSnapshot(gateway, services)).toEqual(before);
      }),
      settings(150),
    );
  });

  it('refuses a SKU of 10 000 characters or of emoji with 400 and names the field', async () => {
    for (const sku of ['S'.repeat(10_000), '📦📦📦', 'SKU 1', 'ｓｋｕ']) {
      const answer = await expectOrderlyAnswer(await send('GET', `/inventory/${encodeURIComponent(sku)}`, { who: 'admin' }), [400]);
      expect(answer.error.details[0].path).toBe('sku');
    }
  });

  it('never lets a path parameter walk the supplier’s or the carrier’s paths', async () => {
    services.requests.length = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/deliveries/', '/inventory/', '/orders/'),
        fc.oneof(
          segment,
          fc.constantFrom('%2e%2e', '.%2e', '..%2F', '..%2fhealth', '%252e%252e', '..%5c..%5chealth', '%2e', 'a%2F..%2F..', '%3F', '%23'),
        ),
        async (prefix, x) => {
          await expectOrderlyAnswer(await send('GET', `${prefix}${x}`, { who: 'admin', contentType: null }));
        },
      ),
      settings(80),
    );
    for (const request of services.requests) {
      const { pathname, search } = new URL(request.split(' ')[1], 'http://stub');
      // One segment under the resource's own path: nothing walked up, nothing smuggled into a query.
      expect(search).toBe('');
      expect(pathname).toMatch(/^\/(deliveries|inventory|orders)\/[^/]+$/);
      expect(decodeURIComponent(pathname.split('/')[2])).not.toMatch(/^\.{1,2}$/);
    }
  });
});

describe('query strings', () => {
  const value = fc.oneof(
    fc.constantFrom('RECEIVED', 'COMPLETED', 'received', '', '1', '0', '-1', '1.5', '1e3', '1e400', 'NaN', 'Infinity', '0x10', ' 5', '5 '),
    hostileNumber.map(String),
    hostileString,
  );
  const query = fc
    .array(fc.tuple(fc.constantFrom('status', 'limit', 'limit', 'status', 'cursor', '__proto__', 'limit[]'), value), { maxLength: 4 })
    .map((pairs) => new URLSearchParams(pairs).toString());

  it('answers GET /purchases with any query with 200 (at most `limit` items) or 400 in the error shape', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (search) => {
        const response = await send('GET', `/purchases?${search}`, { who: 'user', contentType: null });
        const answer = await expectOrderlyAnswer(response, [200, 400]);
        if (response.status === 200) {
          const limits = new URLSearchParams(search).getAll('limit');
          if (limits.length === 1) expect(answer.items.length).toBeLessThanOrEqual(Number(limits[0]));
        }
      }),
      settings(100),
    );
  });

  it('ignores any query on the public reads', async () => {
    await fc.assert(
      fc.asyncProperty(query, fc.constantFrom('/products', '/health', '/openapi.json'), async (search, path) => {
        await expectOrderlyAnswer(await send('GET', `${path}?${search}`, { contentType: null }), [200]);
      }),
      settings(30),
    );
  });
});

describe('valid-looking purchases through the whole path', () => {
  const itemArb = fc.record({
    sku: fc.constantFrom('SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'PRICEY-1', 'NOT-IN-CATALOG'),
    quantity: fc.integer({ min: 1, max: 1000 }),
  });
  const order = fc.record(
    {
      items: fc.uniqueArray(itemArb, { minLength: 1, maxLength: 6, selector: (item) => item.sku }),
      address: validAddress,
      voucher: fc.record({ code: fc.constantFrom('WELCOME10', 'BULK20', 'NOPE', ' welcome10 ') }),
    },
    { requiredKeys: ['items', 'address'] },
  );
  const idempotencyKey = fc.option(fc.stringMatching(/^[\x21-\x7e\xa1-\xff]{1,200}$/), { nil: undefined });

  it('answers 202 with a started saga, 400, or 422 for a reused key, and never keeps a purchase it did not accept', async () => {
    const keys = new Map<string, string>();
    let refusedReuses = 0;
    await fc.assert(
      fc.asyncProperty(order, idempotencyKey, fc.boolean(), async (body, freshKey, reuse) => {
        const key = reuse && keys.size > 0 ? [...keys.keys()][0] : freshKey;
        const before = await storeSnapshot(gateway, services);
        const response = await send('POST', '/purchases', {
          who: 'user',
          body: JSON.stringify(body),
          headers: key === undefined ? {} : { 'idempotency-key': key },
        });
        const answer = await expectOrderlyAnswer(response, [202, 400, 422]);
        if (response.status === 202) await untilRecorded(gateway, answer.purchase.id);
        const after = await storeSnapshot(gateway, services);
        expect(after.stock).toEqual(before.stock);
        if (response.status === 400) {
          expect(after).toEqual(before);
          return;
        }
        if (response.status === 422) {
          // Only a key already used, with another body, is refused this way; it starts nothing.
          expect(answer.error.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
          expect(key !== undefined && keys.has(key)).toBe(true);
          expect(after).toEqual(before);
          refusedReuses += 1;
          return;
        }
        const purchase = answer.purchase;
        expect(purchase).toMatchObject({ customerId: user.user.id, workflowId: `purchase-${purchase.id}` });
        // RECEIVED and waiting for the supplier, or refused at once while pricing (unknown SKU, invalid voucher).
        if (purchase.status === 'FAILED') expect(['UNKNOWN_SKU', 'INVALID_VOUCHER']).toContain(purchase.failure?.code);
        else expect(purchase.status).toBe('RECEIVED');
        expect(Number.isSafeInteger(purchase.totalCents) && purchase.totalCents >= 0).toBe(true);
        expect(purchase.totalCents).toBeLessThanOrEqual(2 ** 31 - 1);
        if (key !== undefined && keys.has(key)) {
          expect(purchase.id).toBe(keys.get(key));
          expect(after.purchases).toBe(before.purchases);
        } else {
          expect(after.purchases).toBe(before.purchases + 1);
          if (key !== undefined) keys.set(key, purchase.id);
        }
        const description = await temporal.client.workflow.getHandle(purchase.workflowId).describe();
        expect(['RUNNING', 'COMPLETED']).toContain(description.status.name);
      }),
      settings(60),
    );
    // Keys are reused with other bodies about half the time once one is kept: the refusal was exercised, not just allowed.
    expect(refusedReuses).toBeGreaterThan(0);
  });
});
