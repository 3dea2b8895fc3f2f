import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createCarrierActivities } from '../../activities/carrier/activities';
import { createStoreActivities } from '../../activities/store/activities';
import { createSupplierActivities } from '../../activities/supplier/activities';
import { loadConfig } from '../../config';
import { staticLiveConfig } from '../../config/live-config';
import { activityContracts, invalidActivityInput, type ActivitySchemas } from '../../contracts/activities';
import type { Purchase } from '../../contracts/purchase';
import type { CarrierDb, StoreDb, SupplierDb } from '../../prisma/clients';
import { carrierWorker } from '../../workers/carrier';
import { orchestratorWorker } from '../../workers/orchestrator';
import { erasureContracts } from '../../contracts/erasure';
import { sessionSweepContract } from '../../contracts/session-sweep';
import { supplierWorker } from '../../workers/supplier';

/**
 * The workflow ↔ activity boundary. What the workflow calls is read from the histories of real purchases recorded in
 * test/fixtures/histories (completed, refused, cancelled, compensated, waiting): each scheduled activity, the task
 * queue it was sent to, its input and its result. A local activity (the store's writes, from the revision
 * local-store-writes on) runs on the workflow's own worker and leaves only a marker: its type and result, no input.
 */
interface Payload {
  metadata: { encoding: string };
  data?: string;
}
interface HistoryEvent {
  eventId: string;
  workflowExecutionStartedEventAttributes?: { taskQueue: { name: string } };
  markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: Payload[] }> };
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; taskQueue: { name: string }; input?: { payloads: Payload[] } };
  activityTaskCompletedEventAttributes?: { scheduledEventId: string; result?: { payloads: Payload[] } };
}

const decode = (payload: Payload | undefined): unknown => {
  if (!payload || Buffer.from(payload.metadata.encoding, 'base64').toString() === 'binary/null') return undefined;
  return JSON.parse(Buffer.from(payload.data ?? '', 'base64').toString());
};

const historiesDir = path.join(__dirname, '..', 'fixtures', 'histories');
/** The marker the SDK's core records for each local activity's outcome. */
const localActivityMarker = 'core_local_activity';
const calls = fs
  .readdirSync(historiesDir)
  .filter((file) => file.endsWith('.json'))
  .flatMap((file) => {
    const { events } = JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8')) as { events: HistoryEvent[] };
    const results = new Map(
      events.flatMap((event) => {
        const completed = event.activityTaskCompletedEventAttributes;
        return completed ? [[completed.scheduledEventId, decode(completed.result?.payloads[0])] as const] : [];
      }),
    );
    const workflowQueue = events[0]?.workflowExecutionStartedEventAttributes?.taskQueue.name ?? '';
    return events.flatMap((event) => {
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName === localActivityMarker) {
        const data = decode(marker.details?.data?.payloads[0]) as { activity_type: string };
        const result = marker.details?.result?.payloads[0];
        return [
          {
            history: file,
            activity: data.activity_type,
            taskQueue: workflowQueue,
            local: true,
            input: undefined,
            completed: result !== undefined,
            result: decode(result),
          },
        ];
      }
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (!scheduled) return [];
      return [
        {
          history: file,
          activity: scheduled.activityType.name,
          taskQueue: scheduled.taskQueue.name,
          local: false,
          input: decode(scheduled.input?.payloads[0]),
          completed: results.has(event.eventId),
          result: results.get(event.eventId),
        },
      ];
    });
  });

const owners = Object.values(activityContracts);

/**
 * Activities that other workflows call rather than the purchase saga (a Schedule's sweep, a customer's erasure): on
 * the saga's queues, beside its own.
 */
const scheduled = [sessionSweepContract, ...Object.values(erasureContracts)];
/** The contract that names an activity on a queue: the saga's owner's, or another workflow's on the same queue. */
const contractOn = (taskQueue: string, activity: string) =>
  [...owners, ...scheduled].find((contract) => contract.taskQueue === taskQueue && activity in contract.activities);
/** Building a worker's activities touches nothing: their databases are used by the activities alone. */
const inert = <T>() => ({}) as T;
const workers = [supplierWorker, carrierWorker, orchestratorWorker];
const registered = (taskQueue: string) => {
  const worker = workers.find((candidate) => candidate.taskQueue === taskQueue);
  return worker ? (worker.activities(inert(), loadConfig({}), staticLiveConfig(loadConfig({})), inert()) as Record<string, unknown>) : undefined;
};

describe('the workflow ↔ activity boundary', () => {
  it('has recorded sagas to read', () => {
    expect(calls.length).toBeGreaterThan(20);
    // The store's writes as local activities, from the recordings of the current revision.
    expect(calls.filter((call) => call.local).length).toBeGreaterThan(10);
  });

  it('gives every activity the workflow calls a contract on the queue it sends it to, and a worker there that implements it', () => {
    for (const call of calls) {
      const where = `${call.activity}@${call.taskQueue} (${call.history})`;
      const schemas = (contractOn(call.taskQueue, call.activity)?.activities as ActivitySchemas | undefined)?.[call.activity];
      expect({ [where]: schemas && Object.keys(schemas).sort() }).toEqual({ [where]: ['input', 'output'] });
      expect({ [where]: typeof registered(call.taskQueue)?.[call.activity] }).toEqual({ [where]: 'function' });
    }
  });

  it('finds every recorded input and result valid under its activity’s schemas', () => {
    for (const call of calls) {
      const schemas = (contractOn(call.taskQueue, call.activity)!.activities as ActivitySchemas)[call.activity];
      const where = `${call.activity} (${call.history})`;
      if (!call.local) expect({ [where]: schemas.input.safeParse(call.input).error?.issues ?? [] }).toEqual({ [where]: [] });
      if (call.completed) expect({ [where]: schemas.output.safeParse(call.result).error?.issues ?? [] }).toEqual({ [where]: [] });
    }
  });

  it('has a worker on each contract’s task queue registering exactly the contracts’ activities', () => {
    for (const owner of owners) {
      const onQueue = [owner, ...scheduled.filter((contract) => contract.taskQueue === owner.taskQueue)];
      expect({ [owner.taskQueue]: Object.keys(registered(owner.taskQueue) ?? {}).sort() }).toEqual({
        [owner.taskQueue]: onQueue.flatMap((contract) => Object.keys(contract.activities)).sort(),
      });
    }
  });

  it('is exercised whole by the recorded histories: every activity of the saga’s and the erasure’s contracts was called', () => {
    const called = new Set(calls.map((call) => `${call.activity}@${call.taskQueue}`));
    for (const owner of [...owners, ...Object.values(erasureContracts)]) {
      for (const activity of Object.keys(owner.activities)) expect(called).toContain(`${activity}@${owner.taskQueue}`);
    }
  });
});

describe('activity input validation', () => {
  const supplier = createSupplierActivities(inert<SupplierDb>(), { supplierName: 'Test Supply', leadTimeDays: 1 });
  const carrier = createCarrierActivities(inert<CarrierDb>(), { carrierName: 'Test Parcel', dailyCapacity: 10 });
  const store = createStoreActivities(inert<StoreDb>());
  const refusal = async (call: () => Promise<unknown>) => {
    const error = await call().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  };

  // The database stand-ins are empty objects: an activity that went past validation would crash on them instead.
  it('refuses input its schema does not allow with a non-retryable INVALID_ACTIVITY_INPUT naming each field', async () => {
    const failure = await refusal(() => supplier.reserveStock({ purchaseId: '', items: [{ sku: 'SKU-1', quantity: 0 }] }));
    expect(failure).toMatchObject({ type: invalidActivityInput, nonRetryable: true });
    expect(failure.message).toMatch(/^reserveStock: invalid input \(purchaseId: .+; items\.0\.quantity: .+\)$/);
  });

  it('refuses it in every owner’s activities', async () => {
    const refusals = await Promise.all([
      refusal(() => supplier.releaseReservation({} as never)),
      refusal(() => supplier.confirmSale({ purchaseId: 42 } as never)),
      refusal(() => carrier.scheduleDelivery({ purchaseId: 'p-1', address: { country: 'Portugal' } } as never)),
      refusal(() => carrier.cancelDelivery(undefined as never)),
      refusal(() => carrier.dispatchDelivery({ purchaseId: null } as never)),
      refusal(() => store.recordPurchase({ purchase: { id: 'p-1' }, version: -1 } as never)),
    ]);
    for (const failure of refusals) expect(failure).toMatchObject({ type: invalidActivityInput, nonRetryable: true });
  });

  it('takes a purchase whose delivery was cancelled before it was booked (a tombstone with no date or tracking number)', () => {
    const purchase: Purchase = {
      id: 'p-1',
      workflowId: 'purchase-p-1',
      customerId: 'u-1',
      status: 'CANCELLED',
      items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 1250 }],
      address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
      totalCents: 1250,
      discountCents: 0,
      delivery: { id: 'd-1', status: 'CANCELLED', carrier: 'Swift Parcel', trackingNumber: '', estimatedDate: '' },
      failure: { code: 'CANCELLED', message: 'changed my mind' },
      history: [{ status: 'RECEIVED', at: '2026-03-01T10:00:00.000Z' }],
      createdAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:01.000Z',
    };
    expect(activityContracts.store.activities.recordPurchase.input.safeParse({ purchase, version: 4 }).error?.issues ?? []).toEqual([]);
  });
});
