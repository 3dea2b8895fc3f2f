import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createStoreActivities } from '../../activities/store/activities';
import type { StoreActivities } from '../../contracts/activities';
import type { Purchase } from '../../contracts/purchase';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';

let dbs: TestDatabases;
let store: StoreActivities;
const customerId = 'customer-store-test';

describeEachEngine('the store', (engine) => {
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
    store = createStoreActivities(dbs.store);
    await dbs.store.user.create({ data: { id: customerId, email: 'ada@example.com', passwordHash: 'x' } });
  });
  afterAll(() => dbs?.drop());

  const createdAt = '2026-11-24T10:00:00.000Z';

  /** The purchase as the saga creates it before its first step (version 0). */
  async function received(): Promise<Purchase> {
    const id = randomUUID();
    const purchase: Purchase = {
      id,
      workflowId: purchaseWorkflowId(id),
      customerId,
      status: 'RECEIVED',
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
      address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
      totalCents: 2500,
      discountCents: 0,
      history: [{ status: 'RECEIVED', at: createdAt }],
      createdAt,
      updatedAt: createdAt,
    };
    await store.recordPurchase({ purchase, version: 0 });
    return purchase;
  }

  function advanced(purchase: Purchase, changes: Partial<Purchase>, at: string): Purchase {
    const status = changes.status ?? purchase.status;
    return { ...purchase, ...changes, updatedAt: at, history: [...purchase.history, { status, at }] };
  }

  const stored = (id: string) => dbs.store.purchase.findUniqueOrThrow({ where: { id } });

  describe('recordPurchase', () => {
    it('creates the record at version 0 once, with its Idempotency-Key: repeats and races change nothing', async () => {
      const purchase = await received();
      const id = randomUUID();
      const keyed: Purchase = { ...purchase, id, workflowId: purchaseWorkflowId(id) };
      await Promise.all([
        store.recordPurchase({ purchase: keyed, version: 0, idempotencyKey: 'key-store-1' }),
        store.recordPurchase({ purchase: keyed, version: 0, idempotencyKey: 'key-store-1' }),
      ]);
      await store.recordPurchase({ purchase: advanced(keyed, { status: 'ORDER_REQUESTED' }, '2026-11-24T10:00:01.000Z'), version: 1 });
      await store.recordPurchase({ purchase: keyed, version: 0, idempotencyKey: 'key-store-1' });

      expect(await stored(id)).toMatchObject({
        userId: customerId,
        idempotencyKey: 'key-store-1',
        status: 'ORDER_REQUESTED',
        version: 1,
        items: keyed.items,
        address: keyed.address,
        createdAt: new Date(createdAt),
      });
    });

    it("writes the workflow's view: status, supplier, delivery, history, totals and time", async () => {
      const purchase = await received();
      const ordered = advanced(
        purchase,
        { status: 'ORDER_REQUESTED', supplier: { orderId: 'order-1', name: 'Acme' } },
        '2026-11-24T10:00:01.000Z',
      );
      const booked = advanced(
        ordered,
        {
          status: 'RESERVE_DELIVERED',
          delivery: {
            id: 'delivery-1',
            status: 'SCHEDULED',
            carrier: 'Swift',
            trackingNumber: 'SPABC',
            estimatedDate: '2026-11-26',
          },
        },
        '2026-11-24T10:00:02.000Z',
      );

      await store.recordPurchase({ purchase: ordered, version: 1 });
      await store.recordPurchase({ purchase: booked, version: 2 });

      expect(await stored(purchase.id)).toMatchObject({
        status: 'RESERVE_DELIVERED',
        version: 2,
        supplier: booked.supplier,
        delivery: booked.delivery,
        failure: null,
        history: booked.history,
        totalCents: 2500,
        updatedAt: new Date('2026-11-24T10:00:02.000Z'),
      });
    });

    it('ignores an older version that arrives late', async () => {
      const purchase = await received();
      const ordered = advanced(purchase, { status: 'ORDER_REQUESTED' }, '2026-11-24T10:00:01.000Z');
      const failed = advanced(
        ordered,
        { status: 'COMPENSATING', failure: { code: 'UNSERVED_COUNTRY', message: 'no' } },
        '2026-11-24T10:00:02.000Z',
      );

      await store.recordPurchase({ purchase: failed, version: 2 });
      await store.recordPurchase({ purchase: ordered, version: 1 });

      expect(await stored(purchase.id)).toMatchObject({ status: 'COMPENSATING', version: 2, failure: failed.failure });
    });

    it('changes nothing when the same version is written twice', async () => {
      const purchase = await received();
      const ordered = advanced(purchase, { status: 'ORDER_REQUESTED' }, '2026-11-24T10:00:01.000Z');

      await store.recordPurchase({ purchase: ordered, version: 1 });
      await store.recordPurchase({ purchase: { ...ordered, status: 'FAILED' }, version: 1 });

      expect(await stored(purchase.id)).toMatchObject({ status: 'ORDER_REQUESTED', version: 1 });
    });

    it('fails with a non-retryable PURCHASE_RECORD_MISSING when the record the saga created is gone', async () => {
      const purchase = advanced(await received(), { status: 'ORDER_REQUESTED' }, '2026-11-24T10:00:01.000Z');
      const ghost = { ...purchase, id: randomUUID() };

      const error = await store.recordPurchase({ purchase: ghost, version: 1 }).catch((reason: unknown) => reason);

      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({ type: 'PURCHASE_RECORD_MISSING', nonRetryable: true });
    });
  });
});
