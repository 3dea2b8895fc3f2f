import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createCarrierActivities } from '../../activities/carrier/activities';
import { createCarrierErasureActivities } from '../../activities/carrier/erasure';
import { createStoreActivities } from '../../activities/store/activities';
import { createErasureStoreActivities } from '../../activities/store/erasure';
import type { CarrierActivities, StoreActivities } from '../../contracts/activities';
import { invalidActivityInput } from '../../contracts/activities';
import {
  erasedEmail,
  erasedPasswordHash,
  erasedText,
  erasureBatchSize,
  type ErasureCarrierActivities,
  type ErasureStoreActivities,
} from '../../contracts/erasure';
import type { Address, Purchase, PurchaseFailure, PurchaseStatus } from '../../contracts/purchase';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';

/**
 * The store's and the carrier's parts of an erasure, called directly on each engine's real database (outside an
 * activity they simply run): what each finds and scrubs, what stays for the books, and that a second call changes
 * nothing.
 */
const lisbon: Address = { name: 'Ada Lovelace', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const berlin: Address = { name: 'Grace Hopper', street: '2 Side St', city: 'Berlin', postalCode: '10115', country: 'DE' };
const erasedLisbon = { name: erasedText, street: erasedText, city: erasedText, postalCode: erasedText, country: 'PT' };

let dbs: TestDatabases;
let store: StoreActivities;
let erasure: ErasureStoreActivities;
let carrier: CarrierActivities;
let carrierErasure: ErasureCarrierActivities;

describeEachEngine('the erasure activities', (engine) => {
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
    store = createStoreActivities(dbs.store);
    erasure = createErasureStoreActivities(dbs.store);
    carrier = createCarrierActivities(dbs.carrier, { carrierName: 'Test Parcel', dailyCapacity: 1000 });
    carrierErasure = createCarrierErasureActivities(dbs.carrier);
  });
  afterAll(() => dbs?.drop());

  /** A signed-up customer with `sessions` sessions. */
  async function customer(sessions = 2): Promise<string> {
    const id = randomUUID();
    await dbs.store.user.create({
      data: { id, email: `${id}@example.com`, name: 'Ada Lovelace', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y' },
    });
    for (let i = 0; i < sessions; i += 1) {
      await dbs.store.session.create({
        data: { id: randomUUID(), secretHash: randomBytes(32), userId: id, expiresAt: new Date(Date.now() + 86_400_000) },
      });
    }
    return id;
  }

  const at = (second: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, second)).toISOString();

  /**
   * A purchase record as the saga writes it, through the store's own activity: created at version 0, then moved
   * through `path` (each step a history entry, the last with `note`), ending with `failure` when given.
   */
  async function recorded(
    customerId: string,
    path: PurchaseStatus[],
    { address = lisbon, failure, note }: { address?: Address; failure?: PurchaseFailure; note?: string } = {},
  ): Promise<Purchase> {
    const id = randomUUID();
    let purchase: Purchase = {
      id,
      workflowId: purchaseWorkflowId(id),
      customerId,
      status: 'RECEIVED',
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
      address,
      totalCents: 2250,
      discountCents: 250,
      history: [{ status: 'RECEIVED', at: at(0) }],
      createdAt: at(0),
      updatedAt: at(0),
    };
    await store.recordPurchase({ purchase, version: 0 });
    for (const [step, status] of path.entries()) {
      const last = step === path.length - 1;
      const entry = { status, at: at(step + 1), ...(note && (last || status === 'COMPENSATING') ? { note } : {}) };
      purchase = {
        ...purchase,
        status,
        ...(status === 'ORDER_REQUESTED' ? { supplier: { orderId: `order-${id}`, name: 'Acme' } } : {}),
        ...(last && failure ? { failure } : {}),
        history: [...purchase.history, entry],
        updatedAt: entry.at,
      };
      await store.recordPurchase({ purchase, version: step + 1 });
    }
    return purchase;
  }

  const rowOf = (id: string) => dbs.store.purchase.findUniqueOrThrow({ where: { id } });
  const rowsOf = (userId: string) => dbs.store.purchase.findMany({ where: { userId }, orderBy: { id: 'asc' } });

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  describe('findCustomerPurchases', () => {
    it('finds every record of the customer, final or not, and every in-flight slot whose record is not written yet; no one else’s', async () => {
      const ada = await customer(0);
      const grace = await customer(0);
      const completed = await recorded(ada, ['ORDER_REQUESTED', 'RESERVE_DELIVERED', 'COMPLETED']);
      const inFlight = await recorded(ada, ['ORDER_REQUESTED']);
      // The gateway claimed a slot for each purchase in flight; the one without a record has not been written yet.
      const unrecorded = randomUUID();
      await dbs.store.purchaseSlot.createMany({
        data: [
          { userId: ada, slot: 0, purchaseId: inFlight.id },
          { userId: ada, slot: 1, purchaseId: unrecorded },
        ],
      });
      const gracePurchase = await recorded(grace, ['ORDER_REQUESTED']);
      await dbs.store.purchaseSlot.create({ data: { userId: grace, slot: 0, purchaseId: randomUUID() } });

      const { purchases } = await erasure.findCustomerPurchases({ customerId: ada });

      expect([...purchases].sort((a, b) => a.purchaseId.localeCompare(b.purchaseId))).toEqual(
        [
          { purchaseId: completed.id, workflowId: completed.workflowId, final: true },
          { purchaseId: inFlight.id, workflowId: inFlight.workflowId, final: false },
          { purchaseId: unrecorded, workflowId: purchaseWorkflowId(unrecorded), final: false },
        ].sort((a, b) => a.purchaseId.localeCompare(b.purchaseId)),
      );
      expect(purchases.map((purchase) => purchase.purchaseId)).not.toContain(gracePurchase.id);
      expect(await erasure.findCustomerPurchases({ customerId: randomUUID() })).toEqual({ purchases: [] });
    });
  });

  describe('paging', () => {
    it(`finds and scrubs a customer's records ${erasureBatchSize} at a time, each page naming the next, every record once`, async () => {
      const ada = await customer(0);
      const count = erasureBatchSize + 1;
      const ids = Array.from({ length: count }, () => randomUUID());
      await dbs.store.purchase.createMany({
        data: ids.map((id) => ({
          id,
          workflowId: purchaseWorkflowId(id),
          userId: ada,
          status: 'COMPLETED',
          items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }],
          address: lisbon,
          totalCents: 100,
          discountCents: 0,
          history: [{ status: 'COMPLETED', at: at(0) }],
        })),
      });
      const unrecorded = randomUUID();
      await dbs.store.purchaseSlot.create({ data: { userId: ada, slot: 0, purchaseId: unrecorded } });

      const first = await erasure.findCustomerPurchases({ customerId: ada });
      // The first page: a full page of records, and the slot without one.
      expect(first.purchases).toHaveLength(erasureBatchSize + 1);
      expect(first.purchases.map((purchase) => purchase.purchaseId)).toContain(unrecorded);
      expect(first.next).toBeDefined();
      const second = await erasure.findCustomerPurchases({ customerId: ada, after: first.next });
      expect(second.next).toBeUndefined();
      const found = [...first.purchases, ...second.purchases].map((purchase) => purchase.purchaseId);
      expect(new Set(found)).toEqual(new Set([...ids, unrecorded]));
      expect(found).toHaveLength(count + 1);

      const scrubbedFirst = await erasure.scrubPurchaseRecords({ customerId: ada });
      expect(scrubbedFirst).toEqual({ scrubbed: erasureBatchSize, next: expect.any(String) });
      expect(await erasure.scrubPurchaseRecords({ customerId: ada, after: scrubbedFirst.next })).toEqual({ scrubbed: 1 });
      for (const row of await rowsOf(ada)) expect(row.address).toEqual(erasedLisbon);
    });
  });

  describe('scrubPurchaseRecords', () => {
    it('replaces the address (the country stays) and a cancel’s own words; totals, statuses, items and dates stay', async () => {
      const ada = await customer(0);
      const grace = await customer(0);
      const reason = 'Ada Lovelace changed her mind, call 555-0100';
      const completed = await recorded(ada, ['ORDER_REQUESTED', 'RESERVE_DELIVERED', 'COMPLETED']);
      const cancelled = await recorded(ada, ['ORDER_REQUESTED', 'COMPENSATING', 'CANCELLED'], {
        failure: { code: 'CANCELLED', message: reason },
        note: reason,
      });
      const refusal = 'No stock for SKU-1';
      const refused = await recorded(ada, ['FAILED'], { failure: { code: 'OUT_OF_STOCK', message: refusal }, note: refusal });
      const graceOwn = await recorded(grace, ['ORDER_REQUESTED', 'COMPENSATING', 'CANCELLED'], {
        address: berlin,
        failure: { code: 'CANCELLED', message: reason },
        note: reason,
      });
      const before = new Map((await rowsOf(ada)).map((row) => [row.id, row]));
      const graceBefore = await rowsOf(grace);

      expect(await erasure.scrubPurchaseRecords({ customerId: ada })).toEqual({ scrubbed: 3 });

      for (const purchase of [completed, cancelled, refused]) {
        const now = await rowOf(purchase.id);
        const earlier = before.get(purchase.id)!;
        expect(now.address).toEqual(erasedLisbon);
        // What the books keep: everything but the address (and a cancel's reason) is as the saga wrote it.
        expect(now).toEqual({ ...earlier, address: now.address, failure: now.failure, history: now.history });
        expect(now.updatedAt).toEqual(new Date(purchase.updatedAt));
        expect(now.createdAt).toEqual(new Date(purchase.createdAt));
      }
      expect((await rowOf(completed.id)).history).toEqual(completed.history);
      expect((await rowOf(completed.id)).failure).toBeNull();

      const cancelledNow = await rowOf(cancelled.id);
      expect(cancelledNow.failure).toEqual({ code: 'CANCELLED', message: erasedText });
      expect(cancelledNow.history).toEqual(
        cancelled.history.map((entry) => (entry.note === reason ? { ...entry, note: erasedText } : entry)),
      );
      expect(JSON.stringify(cancelledNow)).not.toContain('Ada');
      expect(JSON.stringify(cancelledNow)).not.toContain('555-0100');
      // Two notes held the reason (COMPENSATING and CANCELLED): both are gone, the dates and statuses stay.
      expect(cancelledNow.history).toEqual([
        { status: 'RECEIVED', at: at(0) },
        { status: 'ORDER_REQUESTED', at: at(1) },
        { status: 'COMPENSATING', at: at(2), note: erasedText },
        { status: 'CANCELLED', at: at(3), note: erasedText },
      ]);

      // A refusal's message is the system's own: it stays.
      const refusedNow = await rowOf(refused.id);
      expect(refusedNow.failure).toEqual({ code: 'OUT_OF_STOCK', message: refusal });
      expect(refusedNow.history).toEqual(refused.history);

      // Another customer's records are untouched.
      expect(await rowsOf(grace)).toEqual(graceBefore);
      expect((await rowOf(graceOwn.id)).address).toEqual(berlin);

      // Again: nothing left to scrub, and no row changes (not even its updatedAt).
      const afterFirst = await rowsOf(ada);
      expect(await erasure.scrubPurchaseRecords({ customerId: ada })).toEqual({ scrubbed: 0 });
      expect(await rowsOf(ada)).toEqual(afterFirst);
      expect(await rowsOf(grace)).toEqual(graceBefore);
    });

    it('scrubs nothing for a customer with no records', async () => {
      expect(await erasure.scrubPurchaseRecords({ customerId: await customer(0) })).toEqual({ scrubbed: 0 });
    });
  });

  describe('scrubAccount', () => {
    it('ends every session and replaces email, name and password hash; a second call finds nothing to change', async () => {
      const ada = await customer(3);
      const grace = await customer(2);
      const graceBefore = await dbs.store.user.findUniqueOrThrow({ where: { id: grace } });
      const adaBefore = await dbs.store.user.findUniqueOrThrow({ where: { id: ada } });

      expect(await erasure.scrubAccount({ customerId: ada })).toEqual({ scrubbed: true, sessionsEnded: 3 });

      expect(await dbs.store.session.count({ where: { userId: ada } })).toBe(0);
      expect(await dbs.store.user.findUniqueOrThrow({ where: { id: ada } })).toEqual({
        ...adaBefore,
        email: erasedEmail(ada),
        name: null,
        passwordHash: erasedPasswordHash,
      });
      // Another customer keeps their account and sessions.
      expect(await dbs.store.user.findUniqueOrThrow({ where: { id: grace } })).toEqual(graceBefore);
      expect(await dbs.store.session.count({ where: { userId: grace } })).toBe(2);

      const afterFirst = await dbs.store.user.findUniqueOrThrow({ where: { id: ada } });
      expect(await erasure.scrubAccount({ customerId: ada })).toEqual({ scrubbed: false, sessionsEnded: 0 });
      expect(await dbs.store.user.findUniqueOrThrow({ where: { id: ada } })).toEqual(afterFirst);
    });

    it('gives each erased account an email of its own: two erased customers coexist', async () => {
      const [ada, grace] = [await customer(1), await customer(1)];
      expect(await erasure.scrubAccount({ customerId: ada })).toEqual({ scrubbed: true, sessionsEnded: 1 });
      expect(await erasure.scrubAccount({ customerId: grace })).toEqual({ scrubbed: true, sessionsEnded: 1 });
      const erased = await dbs.store.user.findMany({ where: { id: { in: [ada, grace] } }, select: { email: true } });
      expect(erased.map((user) => user.email).sort()).toEqual([erasedEmail(ada), erasedEmail(grace)].sort());
    });

    it('scrubs nothing for an account that does not exist', async () => {
      expect(await erasure.scrubAccount({ customerId: randomUUID() })).toEqual({ scrubbed: false, sessionsEnded: 0 });
    });
  });

  describe('scrubDeliveries', () => {
    const deliveryOf = (purchaseId: string) =>
      dbs.carrier.delivery.findUniqueOrThrow({ where: { purchaseId }, include: { events: { orderBy: { sequence: 'asc' } } } });

    it('removes the address from the deliveries of the named purchases only; status, events, dates and country stay', async () => {
      const [scheduled, cancelled, dispatched, others] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      for (const purchaseId of [scheduled, cancelled, dispatched]) await carrier.scheduleDelivery({ purchaseId, address: lisbon });
      await carrier.scheduleDelivery({ purchaseId: others, address: berlin });
      await carrier.cancelDelivery({ purchaseId: cancelled });
      await carrier.dispatchDelivery({ purchaseId: dispatched });
      const named = [scheduled, cancelled, dispatched];
      const before = new Map(await Promise.all(named.map(async (id) => [id, await deliveryOf(id)] as const)));
      const othersBefore = await deliveryOf(others);

      // A purchase the carrier never saw is named too: the erasure names every purchase of the customer.
      expect(await carrierErasure.scrubDeliveries({ purchaseIds: [...named, randomUUID()] })).toEqual({ scrubbed: 3 });

      for (const purchaseId of named) {
        const now = await deliveryOf(purchaseId);
        const earlier = before.get(purchaseId)!;
        expect(now.address).toBeNull();
        expect(now).toEqual({ ...earlier, address: null, updatedAt: now.updatedAt });
        expect(now.country).toBe('PT');
      }
      expect((await deliveryOf(cancelled)).status).toBe('CANCELLED');
      expect((await deliveryOf(dispatched)).status).toBe('DISPATCHED');
      expect(await deliveryOf(others)).toEqual(othersBefore);

      const afterFirst = await Promise.all(named.map(deliveryOf));
      expect(await carrierErasure.scrubDeliveries({ purchaseIds: named })).toEqual({ scrubbed: 0 });
      expect(await Promise.all(named.map(deliveryOf))).toEqual(afterFirst);
      expect(await carrierErasure.scrubDeliveries({ purchaseIds: [] })).toEqual({ scrubbed: 0 });
    });

    it(`takes a batch of up to ${erasureBatchSize} purchases and refuses a larger one with ${invalidActivityInput}`, async () => {
      const purchaseId = randomUUID();
      await carrier.scheduleDelivery({ purchaseId, address: lisbon });
      const full = [purchaseId, ...Array.from({ length: erasureBatchSize - 1 }, () => randomUUID())];

      const failure = await failureOf(carrierErasure.scrubDeliveries({ purchaseIds: [...full, randomUUID()] }));
      expect(failure.type).toBe(invalidActivityInput);
      expect(failure.nonRetryable).toBe(true);
      expect((await deliveryOf(purchaseId)).address).toEqual(lisbon);

      expect(await carrierErasure.scrubDeliveries({ purchaseIds: full })).toEqual({ scrubbed: 1 });
      expect((await deliveryOf(purchaseId)).address).toBeNull();
    });
  });
});
