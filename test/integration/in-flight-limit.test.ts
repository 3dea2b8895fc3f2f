import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createApp } from '../../api/app';
import { seedCatalogIfEmpty } from '../../api/catalog-seed';
import { loadConfig } from '../../config';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';
import { startSagaWorkers } from '../support/saga-workers';
import { createTemporalTestEnvironment } from '../support/temporal-env';
import { json, signIn, unreachable, type Gateway, type JsonResponse } from '../unit/api/gateway-harness';

/**
 * MAX_PURCHASES_IN_FLIGHT holds across gateways: two gateways on one store database and one real Temporal, a user's
 * purchases sent to both at once. With no workers running, every accepted saga stays in flight.
 */
const maxInFlight = 20;
const order = {
  items: [{ sku: 'SKU-1', quantity: 1 }],
  address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
};

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTemporalTestEnvironment();
});
afterAll(async () => {
  await env?.teardown();
});

describeEachEngine('purchases in flight per user', (engine) => {
  let dbs: TestDatabases;
  let gateways: Gateway[];
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
    await seedCatalogIfEmpty(dbs.store);
    const config = loadConfig({
      MAX_PURCHASES_IN_FLIGHT: String(maxInFlight),
      RATE_LIMIT_PER_MINUTE: '1000000',
      PURCHASE_CANCEL_WINDOW: '0s',
      ACTIVITY_RETRY_INITIAL_INTERVAL: '100ms',
      ACTIVITY_RETRY_MAX_INTERVAL: '500ms',
      SUPPLIER_URL: unreachable,
      CARRIER_URL: unreachable,
    });
    gateways = [1, 2].map(() => {
      const app = createApp({ config, store: dbs.store, temporal: env.client, logger: pino({ level: 'silent' }) });
      return {
        app,
        store: dbs.store,
        request: async (path: string, init?: RequestInit) => (await app.request(path, init)) as unknown as JsonResponse,
        close: async () => undefined,
      };
    });
  });
  afterAll(async () => {
    // Sagas left in flight would be run by the next engine's workers, against databases that do not know them.
    for await (const workflow of env.client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
      await env.client.workflow.getHandle(workflow.workflowId).terminate('test over');
    }
    await dbs?.drop();
  });

  const buy = (gateway: Gateway, headers: Record<string, string>, key?: string) =>
    gateway.request('/purchases', { method: 'POST', ...json(order, { ...headers, ...(key ? { 'idempotency-key': key } : {}) }) });

  it('accepts a user’s first purchases up to the bound through either gateway, refuses the rest with 429, and frees a slot per finished saga', async () => {
    const buyer = await signIn(gateways[0]);
    const keyed = await buy(gateways[0], buyer.headers, 'first-purchase');
    expect(keyed.status).toBe(202);
    const keyedId = (await keyed.json()).purchase.id;

    // More than the bound at once, half through each gateway.
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => buy(gateways[i % 2], buyer.headers)));
    const accepted = burst.filter((response) => response.status === 202);
    const refused = burst.filter((response) => response.status === 429);
    expect(accepted).toHaveLength(maxInFlight - 1);
    expect(refused).toHaveLength(30 - (maxInFlight - 1));
    for (const response of refused) {
      expect((await response.json()).error.code).toBe('TOO_MANY_PURCHASES_IN_FLIGHT');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(await dbs.store.purchaseSlot.count({ where: { userId: buyer.user.id } })).toBe(maxInFlight);

    // The same key is the same purchase: answered, not refused; and another user has a budget of their own.
    const again = await buy(gateways[1], buyer.headers, 'first-purchase');
    expect(again.status).toBe(202);
    expect((await again.json()).purchase.id).toBe(keyedId);
    const other = await signIn(gateways[1]);
    expect((await buy(gateways[1], other.headers)).status).toBe(202);
    expect((await buy(gateways[1], buyer.headers)).status).toBe(429);

    // Workers run the sagas to their end: each final record frees its slot, and the user may buy again.
    await dbs.supplier.inventory.upsert({ where: { sku: 'SKU-1' }, update: { available: 1000 }, create: { sku: 'SKU-1', available: 1000, reserved: 0 } });
    const saga = await startSagaWorkers(env, dbs);
    try {
      const deadline = Date.now() + 90_000;
      while ((await dbs.store.purchaseSlot.count({ where: { userId: buyer.user.id } })) > 0) {
        if (Date.now() > deadline) throw new Error('the finished sagas did not free their slots');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const finished = await dbs.store.purchase.findMany({ where: { userId: buyer.user.id }, select: { status: true } });
      expect(finished).toHaveLength(maxInFlight);
      expect(finished.every((purchase) => purchase.status === 'COMPLETED')).toBe(true);
      expect((await buy(gateways[0], buyer.headers)).status).toBe(202);
    } finally {
      await saga.shutdown();
    }
  });

  it('frees the slots of purchases whose saga never started once they are all taken', async () => {
    const buyer = await signIn(gateways[0]);
    // Claims left by a gateway that stopped between its claim and its start, a while ago.
    const longAgo = new Date(Date.now() - 10 * 60_000);
    await dbs.store.purchaseSlot.createMany({
      data: Array.from({ length: maxInFlight }, (_, slot) => ({ userId: buyer.user.id, slot, purchaseId: randomUUID(), createdAt: longAgo })),
    });
    expect((await buy(gateways[1], buyer.headers)).status).toBe(202);
    expect(await dbs.store.purchaseSlot.count({ where: { userId: buyer.user.id } })).toBe(1);
  });
});
