import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelCameBeforeCommit } from '../../chaos/invariants';
import { bookingHorizonDays, estimatedDeliveryDate, nextBusinessDay } from '../../activities/carrier/booking';
import type { Address, ItemRequest, Purchase, PurchaseFailure } from '../../contracts/purchase';
import {
  cancelSignal,
  confirmSignal,
  purchaseWorkflowId,
  purchaseWorkflowType,
  requestCancellationUpdate,
  searchAttributes,
  statusQuery,
  taskQueues,
} from '../../contracts/temporal';
import type { PurchaseWorkflowInput } from '../../contracts/workflow-input';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine, type Engine } from '../support/engines';
import { startSagaWorkers, type SagaWorkers } from '../support/saga-workers';
import { createTemporalTestEnvironment } from '../support/temporal-env';

const run = promisify(execFile);
const lisbon: Address = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const toronto: Address = { ...lisbon, city: 'Toronto', postalCode: 'M5V', country: 'CA' };

/** Test doubles wrap the real supplier activities; each test may make one misbehave. */
const supplierFaults = {
  reserveFailuresLeft: 0,
  reserveAttempts: 0,
  confirmDelayMs: 0,
  confirmStarted: () => undefined as void,
  /** A non-retryable failure that is not a business refusal (a corrupt record), thrown by confirmSale. */
  confirmBroken: undefined as string | undefined,
  /** Holds reserveStock before its side effect until the test opens it: a slow supplier. */
  reserveGate: undefined as Promise<void> | undefined,
  reserveStarted: () => undefined as void,
  reserveFinished: () => undefined as void,
};
const carrierFaults = {
  /** The carrier's CARRIER_DAILY_CAPACITY, read at each booking as the live setting is. */
  dailyCapacity: 1000,
  scheduleBroken: undefined as string | undefined,
  scheduleGate: undefined as Promise<void> | undefined,
  scheduleStarted: () => undefined as void,
  scheduleFinished: () => undefined as void,
};

let env: TestWorkflowEnvironment;
let dbs: TestDatabases;
let saga: SagaWorkers | undefined;

beforeAll(async () => {
  env = await createTemporalTestEnvironment();
});

afterAll(async () => {
  await env?.teardown();
});

/** The three owners' workers on one engine's fresh databases; the supplier runs two workers, as in production. */
async function startWorkers(engine: Engine) {
  dbs = await createTestDatabases(engine);
  saga = await startSagaWorkers(env, dbs, {
    supplierWorkers: 2,
    // Both supplier workers misbehave alike when a test says so, whichever one Temporal hands a task.
    supplier: (supplier) => ({
      ...supplier,
      async reserveStock(input) {
        supplierFaults.reserveAttempts += 1;
        if (supplierFaults.reserveFailuresLeft > 0) {
          supplierFaults.reserveFailuresLeft -= 1;
          throw new Error('supplier database unreachable (injected)');
        }
        if (supplierFaults.reserveGate) {
          supplierFaults.reserveStarted();
          await supplierFaults.reserveGate;
          try {
            return await supplier.reserveStock(input);
          } finally {
            supplierFaults.reserveFinished();
          }
        }
        return supplier.reserveStock(input);
      },
      async confirmSale(input) {
        supplierFaults.confirmStarted();
        if (supplierFaults.confirmBroken) {
          throw ApplicationFailure.nonRetryable(`reservation of ${input.purchaseId} is gone (injected)`, supplierFaults.confirmBroken);
        }
        await new Promise((resolve) => setTimeout(resolve, supplierFaults.confirmDelayMs));
        return supplier.confirmSale(input);
      },
    }),
    dailyCapacity: () => carrierFaults.dailyCapacity,
    carrier: (carrier) => ({
      ...carrier,
      async scheduleDelivery(input) {
        if (carrierFaults.scheduleGate) {
          carrierFaults.scheduleStarted();
          await carrierFaults.scheduleGate;
          try {
            return await carrier.scheduleDelivery(input);
          } finally {
            carrierFaults.scheduleFinished();
          }
        }
        const result = await carrier.scheduleDelivery(input);
        // After its side effect, as a bug found late would: the delivery exists and must be cancelled.
        if (carrierFaults.scheduleBroken) throw ApplicationFailure.nonRetryable('delivery record is corrupt (injected)', carrierFaults.scheduleBroken);
        return result;
      },
    }),
  });
  await dbs.store.user.create({ data: { id: 'customer-1', email: 'ada@example.com', passwordHash: 'x' } });
}

async function stopWorkers() {
  try {
    await saga?.shutdown();
  } finally {
    saga = undefined;
    await dbs?.drop();
  }
}

beforeEach(() => {
  supplierFaults.reserveFailuresLeft = 0;
  supplierFaults.reserveAttempts = 0;
  supplierFaults.confirmDelayMs = 0;
  supplierFaults.confirmStarted = () => undefined;
  supplierFaults.confirmBroken = undefined;
  carrierFaults.dailyCapacity = 1000;
  carrierFaults.scheduleBroken = undefined;
  carrierFaults.scheduleGate = undefined;
  supplierFaults.reserveGate = undefined;
});

/** A gate the test opens by hand, and promises for the held step having started and finished. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started!: () => void;
  const hasStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  let finished!: () => void;
  const hasFinished = new Promise<void>((resolve) => {
    finished = resolve;
  });
  return { opened, open, started, hasStarted, finished, hasFinished };
}

async function stock(sku: string, available: number) {
  await dbs.supplier.inventory.upsert({
    where: { sku },
    create: { sku, available, reserved: 0 },
    update: { available, reserved: 0 },
  });
}

async function stockOf(sku: string) {
  const row = await dbs.supplier.inventory.findUniqueOrThrow({ where: { sku } });
  return { available: row.available, reserved: row.reserved };
}

/** Starts the saga as POST /purchases does; the saga writes the purchase record itself. */
async function startPurchase(options: {
  items: ItemRequest[];
  address?: Address;
  cancelWindow?: string;
  refusal?: PurchaseFailure;
}) {
  const purchaseId = randomUUID();
  const createdAt = new Date().toISOString();
  const items = options.items.map((item) => ({ ...item, unitPriceCents: 1000 }));
  const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  const address = options.address ?? lisbon;
  const input: PurchaseWorkflowInput = {
    purchaseId,
    customerId: 'customer-1',
    items,
    address,
    totalCents,
    discountCents: 0,
    ...(options.refusal ? { refusal: options.refusal } : {}),
    createdAt,
    settings: {
      cancelWindow: (options.cancelWindow ?? '0s') as PurchaseWorkflowInput['settings']['cancelWindow'],
      retryInitialInterval: '100ms',
      retryMaximumInterval: '500ms',
    },
  };
  const handle = await env.client.workflow.start(purchaseWorkflowType, {
    taskQueue: taskQueues.purchases,
    workflowId: purchaseWorkflowId(purchaseId),
    args: [input],
    typedSearchAttributes: [{ key: searchAttributes.customerId, value: 'customer-1' }],
  });
  return { purchaseId, handle };
}

async function waitForStatus(handle: { query: (q: typeof statusQuery) => Promise<Purchase> }, status: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await handle.query(statusQuery);
    if (state.status === status) return state;
    if (Date.now() > deadline) throw new Error(`purchase stayed ${state.status}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function recordOf(purchaseId: string) {
  return dbs.store.purchase.findUniqueOrThrow({ where: { id: purchaseId } });
}

async function liveDeliveries(purchaseId: string) {
  return dbs.carrier.delivery.count({ where: { purchaseId, status: { not: 'CANCELLED' } } });
}

describeEachEngine('the purchase saga on real workers', (engine) => {
  beforeAll(() => startWorkers(engine));
  afterAll(() => stopWorkers());

  describe('the purchase saga', () => {
    it('reserves, schedules, confirms and completes, leaving the sold units out of stock', async () => {
      await stock('HAPPY-1', 10);
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'HAPPY-1', quantity: 2 }] });
      const result: Purchase = await handle.result();

      expect(result.status).toBe('COMPLETED');
      expect(result.history.map((entry) => entry.status)).toEqual([
        'RECEIVED',
        'ORDER_REQUESTED',
        'RESERVE_DELIVERED',
        'COMPLETED',
      ]);
      expect(result.supplier?.orderId).toBeTruthy();
      expect(result.delivery).toMatchObject({ status: 'DISPATCHED' });
      expect(result.delivery?.trackingNumber).toBeTruthy();
      expect(result.delivery?.estimatedDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(await stockOf('HAPPY-1')).toEqual({ available: 8, reserved: 0 });

      const record = await recordOf(purchaseId);
      expect(record.status).toBe('COMPLETED');
      expect(record.delivery).toMatchObject({ status: 'DISPATCHED' });
      expect((record.history as unknown[]).length).toBe(4);

      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(searchAttributes.purchaseStatus)).toBe('COMPLETED');
      expect(description.typedSearchAttributes.get(searchAttributes.customerId)).toBe('customer-1');
      expect(await description.memo).toMatchObject({ status: 'COMPLETED' });
    });

    it('writes the record with local activities and, with no window, starts no timer: 4 activity tasks, 5 workflow tasks', async () => {
      await stock('LEAN-1', 5);
      const { handle } = await startPurchase({ items: [{ sku: 'LEAN-1', quantity: 1 }], cancelWindow: '0s' });
      expect((await handle.result()).status).toBe('COMPLETED');
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.flatMap((event) => {
        const attributes = event.activityTaskScheduledEventAttributes;
        return attributes ? [`${attributes.activityType?.name}@${attributes.taskQueue?.name}`] : [];
      });
      // The owners' four steps go through the server; the store's four writes run inside workflow tasks.
      expect(scheduled).toEqual(['reserveStock@supplier', 'scheduleDelivery@carrier', 'confirmSale@supplier', 'dispatchDelivery@carrier']);
      const localWrites = events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity');
      expect(localWrites).toHaveLength(4);
      expect(events.filter((event) => event.timerStartedEventAttributes)).toHaveLength(0);
      expect(events.filter((event) => event.workflowTaskCompletedEventAttributes)).toHaveLength(5);
    });

    it('holds in RESERVE_DELIVERED for the window until a confirm signal ends it early', async () => {
      await stock('WINDOW-1', 5);
      const { handle } = await startPurchase({ items: [{ sku: 'WINDOW-1', quantity: 1 }], cancelWindow: '1h' });
      const held = await waitForStatus(handle, 'RESERVE_DELIVERED');
      expect(held.delivery).toMatchObject({ status: 'SCHEDULED' });
      expect(await stockOf('WINDOW-1')).toEqual({ available: 4, reserved: 1 });

      await handle.signal(confirmSignal);
      const result: Purchase = await handle.result();
      expect(result.status).toBe('COMPLETED');
      expect(await stockOf('WINDOW-1')).toEqual({ available: 4, reserved: 0 });
    });

    it('fails with OUT_OF_STOCK straight from RECEIVED and leaves the stock as it was', async () => {
      await stock('SCARCE-1', 1);
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'SCARCE-1', quantity: 3 }] });
      const result: Purchase = await handle.result();

      expect(result.status).toBe('FAILED');
      expect(result.failure).toMatchObject({ code: 'OUT_OF_STOCK' });
      expect(result.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'FAILED']);
      expect(await stockOf('SCARCE-1')).toEqual({ available: 1, reserved: 0 });
      expect((await recordOf(purchaseId)).failure).toMatchObject({ code: 'OUT_OF_STOCK' });
    });

    it('fails with UNKNOWN_SKU when the supplier does not carry the item', async () => {
      const { handle } = await startPurchase({ items: [{ sku: 'NOBODY-SELLS-THIS', quantity: 1 }] });
      const result: Purchase = await handle.result();
      expect(result.status).toBe('FAILED');
      expect(result.failure).toMatchObject({ code: 'UNKNOWN_SKU' });
    });

    it('fails with INVALID_VOUCHER found while pricing, without asking the supplier', async () => {
      await stock('VOUCHER-1', 5);
      const { handle } = await startPurchase({
        items: [{ sku: 'VOUCHER-1', quantity: 1 }],
        refusal: { code: 'INVALID_VOUCHER', message: 'Voucher NOPE does not exist' },
      });
      const result: Purchase = await handle.result();
      expect(result.status).toBe('FAILED');
      expect(result.failure).toEqual({ code: 'INVALID_VOUCHER', message: 'Voucher NOPE does not exist' });
      expect(supplierFaults.reserveAttempts).toBe(0);
      expect(await stockOf('VOUCHER-1')).toEqual({ available: 5, reserved: 0 });
    });

    it('releases the reservation when the carrier refuses the address', async () => {
      await stock('ABROAD-1', 6);
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'ABROAD-1', quantity: 2 }], address: toronto });
      const result: Purchase = await handle.result();

      expect(result.status).toBe('FAILED');
      expect(result.failure).toMatchObject({ code: 'UNSERVED_COUNTRY' });
      expect(result.history.map((entry) => entry.status)).toEqual([
        'RECEIVED',
        'ORDER_REQUESTED',
        'COMPENSATING',
        'FAILED',
      ]);
      expect(await stockOf('ABROAD-1')).toEqual({ available: 6, reserved: 0 });
      expect(await liveDeliveries(purchaseId)).toBe(0);
    });

    it('fails with NO_DELIVERY_CAPACITY when the carrier’s horizon is full: one attempt, reservation released', async () => {
      await stock('BOOKED-OUT-1', 10);
      // Another purchase holds a reservation meanwhile: the refused one must give back its own units and no others.
      const holder = await startPurchase({ items: [{ sku: 'BOOKED-OUT-1', quantity: 1 }], cancelWindow: '1h' });
      await waitForStatus(holder.handle, 'RESERVE_DELIVERED');
      expect(await stockOf('BOOKED-OUT-1')).toEqual({ available: 9, reserved: 1 });

      // One delivery a day, and every day of the horizon already has one.
      carrierFaults.dailyCapacity = 1;
      let date = estimatedDeliveryDate(new Date());
      const horizon: string[] = [];
      for (; horizon.length < bookingHorizonDays; date = nextBusinessDay(date)) horizon.push(date);
      const before = await dbs.carrier.deliveryDay.findMany({ where: { date: { in: horizon } } });
      for (const day of horizon) {
        await dbs.carrier.deliveryDay.upsert({ where: { date: day }, create: { date: day, booked: 1 }, update: { booked: { increment: 1 } } });
      }
      try {
        const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'BOOKED-OUT-1', quantity: 3 }] });
        const result: Purchase = await handle.result();

        expect(result.status).toBe('FAILED');
        expect(result.failure).toMatchObject({ code: 'NO_DELIVERY_CAPACITY' });
        expect(result.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'ORDER_REQUESTED', 'COMPENSATING', 'FAILED']);
        expect(await stockOf('BOOKED-OUT-1')).toEqual({ available: 9, reserved: 1 });
        expect(await liveDeliveries(purchaseId)).toBe(0);
        expect((await recordOf(purchaseId)).failure).toMatchObject({ code: 'NO_DELIVERY_CAPACITY' });
        // The booking ran once and was not retried: the purchase never waited while it held the units.
        const events = (await handle.fetchHistory()).events ?? [];
        const scheduled = events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'scheduleDelivery');
        const started = events.filter(
          (event) => event.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled?.eventId?.toString(),
        );
        expect(started.map((event) => event.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
      } finally {
        carrierFaults.dailyCapacity = 1000;
        await dbs.carrier.deliveryDay.deleteMany({ where: { date: { in: horizon } } });
        if (before.length > 0) await dbs.carrier.deliveryDay.createMany({ data: before.map(({ date, booked }) => ({ date, booked })) });
      }
      await holder.handle.signal(confirmSignal);
      expect((await holder.handle.result()).status).toBe('COMPLETED');
      expect(await stockOf('BOOKED-OUT-1')).toEqual({ available: 9, reserved: 0 });
    });

    it('cancels inside the window: the delivery is cancelled, then the reservation released', async () => {
      await stock('CANCEL-1', 4);
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'CANCEL-1', quantity: 3 }], cancelWindow: '1h' });
      await waitForStatus(handle, 'RESERVE_DELIVERED');
      await handle.signal(cancelSignal, { reason: 'changed my mind' });
      const result: Purchase = await handle.result();

      expect(result.status).toBe('CANCELLED');
      expect(result.failure).toEqual({ code: 'CANCELLED', message: 'changed my mind' });
      expect(result.delivery).toMatchObject({ status: 'CANCELLED' });
      expect(await stockOf('CANCEL-1')).toEqual({ available: 4, reserved: 0 });
      expect(await liveDeliveries(purchaseId)).toBe(0);
      expect((await recordOf(purchaseId)).status).toBe('CANCELLED');
      // The fault suite reads the same history to tell a cancel the saga took from one that came too late.
      expect(cancelCameBeforeCommit((await handle.fetchHistory()).events ?? [])).toBe(true);
    });

    it('answers a cancellation update with the compensating purchase', async () => {
      await stock('CANCEL-2', 4);
      const { handle } = await startPurchase({ items: [{ sku: 'CANCEL-2', quantity: 1 }], cancelWindow: '1h' });
      await waitForStatus(handle, 'RESERVE_DELIVERED');
      const accepted = await handle.executeUpdate(requestCancellationUpdate, { args: [{ reason: 'wrong size' }] });
      expect(['COMPENSATING', 'CANCELLED']).toContain(accepted.status);
      expect((await handle.result()).status).toBe('CANCELLED');
      expect(await stockOf('CANCEL-2')).toEqual({ available: 4, reserved: 0 });
    });

    it('ignores a cancel signal once confirmation has begun, and refuses a cancellation update', async () => {
      await stock('LATE-1', 3);
      supplierFaults.confirmDelayMs = 1500;
      const confirming = new Promise<void>((resolve) => (supplierFaults.confirmStarted = resolve));
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'LATE-1', quantity: 1 }] });
      // The window is 0: confirmation starts at once and the slow confirmSale keeps the workflow open meanwhile.
      await confirming;
      await handle.signal(cancelSignal, { reason: 'too late' });
      const refusal = await handle
        .executeUpdate(requestCancellationUpdate, { args: [{ reason: 'too late' }] })
        .catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refusal as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
      expect(((refusal as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('NOT_CANCELLABLE');

      const result: Purchase = await handle.result();
      expect(result.status).toBe('COMPLETED');
      expect(await stockOf('LATE-1')).toEqual({ available: 2, reserved: 0 });
      expect(await liveDeliveries(purchaseId)).toBe(1);
      expect(cancelCameBeforeCommit((await handle.fetchHistory()).events ?? [])).toBe(false);
    });

    it('compensates a failure that is not a business refusal, then fails with INTERNAL', async () => {
      await stock('BROKEN-1', 5);
      carrierFaults.scheduleBroken = 'DELIVERY_RECORD_CORRUPT';
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'BROKEN-1', quantity: 2 }] });
      const result: Purchase = await handle.result();

      expect(result.status).toBe('FAILED');
      expect(result.failure?.code).toBe('INTERNAL');
      expect(result.failure?.message).toMatch(/DELIVERY_RECORD_CORRUPT/);
      expect(result.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'ORDER_REQUESTED', 'COMPENSATING', 'FAILED']);
      expect(await stockOf('BROKEN-1')).toEqual({ available: 5, reserved: 0 });
      expect(await liveDeliveries(purchaseId)).toBe(0);
      expect((await recordOf(purchaseId)).status).toBe('FAILED');
    });

    it('compensates a non-business failure during confirmation too: no stock held, no delivery live', async () => {
      await stock('BROKEN-2', 5);
      supplierFaults.confirmBroken = 'RESERVATION_MISSING';
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'BROKEN-2', quantity: 1 }] });
      const result: Purchase = await handle.result();

      expect(result.status).toBe('FAILED');
      expect(result.failure?.code).toBe('INTERNAL');
      expect(await stockOf('BROKEN-2')).toEqual({ available: 5, reserved: 0 });
      expect(await liveDeliveries(purchaseId)).toBe(0);
      expect((await recordOf(purchaseId)).status).toBe('FAILED');
    });

    it('ignores a cancel signal with a malformed input from the Temporal CLI, and the update refuses one', async () => {
      await stock('SIGNAL-1', 5);
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'SIGNAL-1', quantity: 1 }], cancelWindow: '1h' });
      await waitForStatus(handle, 'RESERVE_DELIVERED');
      await run(process.env.TEMPORAL_CLI!, [
        'workflow', 'signal', '--address', env.address, '--workflow-id', purchaseWorkflowId(purchaseId),
        '--name', 'cancel', '--input', '{"reason":42}',
      ]);
      await expect(
        handle.executeUpdate(requestCancellationUpdate, { args: [{ reason: 42 } as never] }),
      ).rejects.toThrow(WorkflowUpdateFailedError);

      // Neither was taken: the purchase still holds, nothing about a cancel was stored, and it completes.
      const held = await handle.query(statusQuery);
      expect(held.status).toBe('RESERVE_DELIVERED');
      expect(held.failure).toBeUndefined();
      expect(held.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'ORDER_REQUESTED', 'RESERVE_DELIVERED']);
      const events = JSON.stringify((await handle.fetchHistory()).events);
      expect(events).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
      await handle.signal(confirmSignal);
      expect((await handle.result()).status).toBe('COMPLETED');
    });

    it('cancelled while reserveStock runs: ends CANCELLED, and the late reservation holds no stock', async () => {
      await stock('SLOW-RESERVE', 5);
      const held = gate();
      Object.assign(supplierFaults, { reserveGate: held.opened, reserveStarted: held.started, reserveFinished: held.finished });
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'SLOW-RESERVE', quantity: 2 }], cancelWindow: '1h' });
      await held.hasStarted;
      await handle.signal(cancelSignal, { reason: 'changed my mind' });
      const result: Purchase = await handle.result();
      expect(result).toMatchObject({ status: 'CANCELLED', failure: { code: 'CANCELLED', message: 'changed my mind' } });

      // The attempt that was running when the cancel came finishes only now, after the compensation.
      held.open();
      await held.hasFinished;
      expect(await stockOf('SLOW-RESERVE')).toEqual({ available: 5, reserved: 0 });
      expect((await recordOf(purchaseId)).status).toBe('CANCELLED');
    });

    it('cancelled while scheduleDelivery runs: ends CANCELLED, stock back, and the late booking is no live delivery', async () => {
      await stock('SLOW-SCHEDULE', 5);
      const held = gate();
      Object.assign(carrierFaults, { scheduleGate: held.opened, scheduleStarted: held.started, scheduleFinished: held.finished });
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'SLOW-SCHEDULE', quantity: 2 }], cancelWindow: '1h' });
      await held.hasStarted;
      await handle.signal(cancelSignal, { reason: 'changed my mind' });
      const result: Purchase = await handle.result();
      expect(result).toMatchObject({ status: 'CANCELLED', failure: { code: 'CANCELLED' } });

      held.open();
      await held.hasFinished;
      expect(await stockOf('SLOW-SCHEDULE')).toEqual({ available: 5, reserved: 0 });
      expect(await liveDeliveries(purchaseId)).toBe(0);
      expect((await recordOf(purchaseId)).status).toBe('CANCELLED');
    });

    it('retries an activity that fails twice, and completes instead of failing', async () => {
      await stock('FLAKY-1', 5);
      supplierFaults.reserveFailuresLeft = 2;
      const { handle } = await startPurchase({ items: [{ sku: 'FLAKY-1', quantity: 1 }] });
      const result: Purchase = await handle.result();

      expect(result.status).toBe('COMPLETED');
      expect(supplierFaults.reserveAttempts).toBe(3);
      expect(await stockOf('FLAKY-1')).toEqual({ available: 4, reserved: 0 });
    });

    it('answers the status query with the purchase resource', async () => {
      await stock('QUERY-1', 5);
      const { purchaseId, handle } = await startPurchase({ items: [{ sku: 'QUERY-1', quantity: 2 }], cancelWindow: '1h' });
      const state = await waitForStatus(handle, 'RESERVE_DELIVERED');
      expect(state).toMatchObject({
        id: purchaseId,
        workflowId: purchaseWorkflowId(purchaseId),
        customerId: 'customer-1',
        items: [{ sku: 'QUERY-1', quantity: 2, unitPriceCents: 1000 }],
        totalCents: 2000,
      });
      await handle.signal(cancelSignal, {});
      expect((await handle.result()).status).toBe('CANCELLED');
    });

    it('never oversells when 20 purchases race for 5 units through two supplier workers: stock ends exact', async () => {
      await stock('RACE-1', 5);
      const purchases = await Promise.all(
        Array.from({ length: 20 }, () => startPurchase({ items: [{ sku: 'RACE-1', quantity: 1 }] })),
      );
      const results: Purchase[] = await Promise.all(purchases.map(({ handle }) => handle.result()));

      expect(results.filter((result) => result.status === 'COMPLETED')).toHaveLength(5);
      const refused = results.filter((result) => result.status === 'FAILED');
      expect(refused).toHaveLength(15);
      for (const result of refused) expect(result.failure?.code).toBe('OUT_OF_STOCK');
      expect(await stockOf('RACE-1')).toEqual({ available: 0, reserved: 0 });
      expect(await dbs.supplier.supplierOrder.count({ where: { status: 'SOLD', items: { some: { sku: 'RACE-1' } } } })).toBe(5);
    });
  });
});
