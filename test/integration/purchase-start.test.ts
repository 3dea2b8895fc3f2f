import { randomBytes, randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { newPurchaseId, purchaseIdFor } from '../../api/purchases/ids';
import { createPurchaseService, type PurchaseService } from '../../api/purchases/service';
import { untilSagaEnds } from '../../api/purchases/wait';
import type { User } from '../../contracts/auth';
import type { Purchase, PurchaseRequest } from '../../contracts/purchase';
import { cancelSignal } from '../../contracts/temporal';
import type { SagaSettings } from '../../contracts/workflow-input';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine, type Engine } from '../support/engines';
import { startSagaWorkers, type SagaWorkers } from '../support/saga-workers';
import { createTemporalTestEnvironment } from '../support/temporal-env';
import { payloadDataConverter } from '../../codec/data-converter';

/**
 * POST /purchases against a real Temporal and real workers: what a start whose answer never arrives leaves behind.
 * The gateway's service is called directly, with a Temporal client that loses answers.
 */
const settings: SagaSettings = { cancelWindow: '0s', retryInitialInterval: '100ms', retryMaximumInterval: '500ms' };
const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

let env: TestWorkflowEnvironment;
let dbs: TestDatabases;
let saga: SagaWorkers | undefined;

beforeAll(async () => {
  env = await createTemporalTestEnvironment();
});
afterAll(async () => {
  await env?.teardown();
});

/** A gRPC DEADLINE_EXCEEDED as the client reports it when the server's answer did not come back in time. */
function deadlineExceeded(): Error {
  return Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4, details: 'Deadline exceeded', metadata: {} });
}

/**
 * A client whose workflow starts reach the server and are carried out, but whose answers are lost: the caller sees a
 * deadline error. Records the workflow ids it started.
 */
function answerLost(client: Client, started: string[]): Client {
  const starts = new Set(['start', 'signalWithStart', 'executeUpdateWithStart', 'startUpdateWithStart']);
  const workflow = new Proxy(client.workflow, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!starts.has(String(property))) return value.bind(target);
      return async (...args: any[]) => {
        const options = args[1] ?? {};
        started.push(options.workflowId ?? options.startWorkflowOperation?.options?.workflowId);
        await value.apply(target, args);
        throw deadlineExceeded();
      };
    },
  });
  return new Proxy(client, {
    get(target, property) {
      if (property === 'workflow') return workflow;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function startWorkers(engine: Engine) {
  dbs = await createTestDatabases(engine);
  saga = await startSagaWorkers(env, dbs);
}

/** The orchestrator's worker, stopped or started again on its own. */
const stopOrchestrator = () => saga!.stopOrchestrator();
const startOrchestrator = () => saga!.startOrchestrator();

async function stopWorkers() {
  try {
    await saga?.shutdown();
  } finally {
    saga = undefined;
    await dbs?.drop();
  }
}

function serviceWith(temporal: Client, saga: SagaSettings = settings): PurchaseService {
  return createPurchaseService({ store: dbs.store, temporal, settings: saga, temporalTimeoutMs: 10_000, maxInFlightPerUser: 1_000 });
}

async function newBuyer(): Promise<User> {
  const id = randomUUID();
  await dbs.store.user.create({ data: { id, email: `${id}@example.com`, passwordHash: 'x' } });
  return { id, email: `${id}@example.com`, name: null, role: 'USER' };
}

async function product(sku: string, available: number) {
  await dbs.store.product.create({ data: { id: randomUUID(), sku, name: sku, priceCents: 1000 } });
  await dbs.supplier.inventory.create({ data: { sku, available, reserved: 0 } });
}

/** A client of its own whose history reads (long polls and start-event reads) are counted on the wire. */
async function historyReadCounting() {
  const counted = { reads: 0, client: undefined as unknown as Client, close: () => connection.close() };
  const counting: Interceptor = (options, nextCall) => {
    if (options.method_definition.path.endsWith('/GetWorkflowExecutionHistory')) counted.reads += 1;
    return new InterceptingCall(nextCall(options));
  };
  // Inside Temporal's retry interceptor, so that each attempt on the wire counts.
  const connection = await Connection.connect({
    address: env.address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), counting],
  });
  counted.client = new Client({ connection, namespace: env.namespace });
  return counted;
}

/** The store, with its reads of a purchase record (`purchase.findUnique`) counted. */
function recordReadCounting() {
  const counted = { reads: 0, store: undefined as unknown as typeof dbs.store };
  counted.store = new Proxy(dbs.store, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property !== 'purchase') return typeof value === 'function' ? value.bind(target) : value;
      return new Proxy(value, {
        get(model, method) {
          const call = Reflect.get(model, method);
          if (method === 'findUnique') counted.reads += 1;
          return typeof call === 'function' ? call.bind(model) : call;
        },
      });
    },
  });
  return counted;
}

async function outcome(purchase: Purchase): Promise<Purchase> {
  return env.client.workflow.getHandle(purchase.workflowId).result();
}

describeEachEngine('POST /purchases when the start is ambiguous', (engine) => {
  beforeAll(() => startWorkers(engine));
  afterAll(() => stopWorkers());

  it('answers 503 to a start whose answer was lost; the retry with the same key finds the one purchase, which runs', async () => {
    await product('AMBIGUOUS-1', 10);
    const buyer = await newBuyer();
    const request: PurchaseRequest = { items: [{ sku: 'AMBIGUOUS-1', quantity: 2 }], address: lisbon };
    const started: string[] = [];

    await expect(serviceWith(answerLost(env.client, started)).create(buyer, request, 'key-1')).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(started).toHaveLength(1);

    const retried = await serviceWith(env.client).create(buyer, request, 'key-1');
    // The retry joined the saga the lost start began, rather than making a second purchase.
    expect(retried.workflowId).toBe(started[0]);
    const done = await outcome(retried);
    expect(done.status).toBe('COMPLETED');

    const rows = await dbs.store.purchase.findMany({ where: { userId: buyer.id } });
    expect(rows.map((row) => [row.id, row.status, row.idempotencyKey])).toEqual([[retried.id, 'COMPLETED', 'key-1']]);
    expect(await dbs.supplier.inventory.findUniqueOrThrow({ where: { sku: 'AMBIGUOUS-1' } })).toMatchObject({
      available: 8,
      reserved: 0,
    });
  });

  it('answers a key reused with another body with 422 IDEMPOTENCY_KEY_MISMATCH and starts nothing', async () => {
    await product('REUSED-1', 10);
    const buyer = await newBuyer();
    const first = await serviceWith(env.client).create(buyer, { items: [{ sku: 'REUSED-1', quantity: 1 }], address: lisbon }, 'key-2');
    await expect(
      serviceWith(env.client).create(buyer, { items: [{ sku: 'REUSED-1', quantity: 3 }], address: lisbon }, 'key-2'),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_MISMATCH' });
    expect((await outcome(first)).status).toBe('COMPLETED');
    expect(await dbs.store.purchase.count({ where: { userId: buyer.id } })).toBe(1);
    expect(await dbs.supplier.inventory.findUniqueOrThrow({ where: { sku: 'REUSED-1' } })).toMatchObject({
      available: 9,
      reserved: 0,
    });
  });

  it('writes no record when Temporal never received the start: the saga is the record’s only writer', async () => {
    await product('NEVER-1', 10);
    const buyer = await newBuyer();
    const unreachable = new Proxy(env.client, {
      get(target, property) {
        if (property === 'workflow') {
          return new Proxy(target.workflow, {
            get(workflow, name) {
              const value = Reflect.get(workflow, name, workflow);
              if (name === 'start' || name === 'executeUpdateWithStart') return async () => Promise.reject(deadlineExceeded());
              return typeof value === 'function' ? value.bind(workflow) : value;
            },
          });
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(
      serviceWith(unreachable).create(buyer, { items: [{ sku: 'NEVER-1', quantity: 1 }], address: lisbon }, 'key-3'),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await dbs.store.purchase.count({ where: { userId: buyer.id } })).toBe(0);
  });

  it('answers 202 once Temporal holds the start, and knows the purchase before its saga has recorded it', async () => {
    await product('EARLY-1', 5);
    const buyer = await newBuyer();
    const stranger = await newBuyer();
    const service = serviceWith(env.client);
    // No orchestrator: the saga cannot run its first task, so no record is written.
    await stopOrchestrator();
    try {
      const accepted = await service.create(buyer, { items: [{ sku: 'EARLY-1', quantity: 2 }], address: lisbon }, 'early-1');
      expect(accepted).toMatchObject({ status: 'RECEIVED', customerId: buyer.id, totalCents: 2000 });
      expect(await dbs.store.purchase.count({ where: { userId: buyer.id } })).toBe(0);

      // Read from the saga's start in Temporal: the same purchase as the 202 said, to its owner alone.
      expect(await service.get(buyer, accepted.id)).toEqual(accepted);
      await expect(service.get(stranger, accepted.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await service.get({ ...stranger, role: 'ADMIN' }, accepted.id)).toEqual(accepted);
      // A retry with the key finds it there too, and another body with that key is refused.
      expect(await service.create(buyer, { items: [{ sku: 'EARLY-1', quantity: 2 }], address: lisbon }, 'early-1')).toEqual(accepted);
      await expect(
        service.create(buyer, { items: [{ sku: 'EARLY-1', quantity: 1 }], address: lisbon }, 'early-1'),
      ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_MISMATCH' });

      // A wait on it answers what Temporal holds when the time is up; on an id Temporal does not know, at once.
      expect(await service.get(buyer, accepted.id, { waitMs: 300 })).toEqual(accepted);
      await expect(service.get(stranger, accepted.id, { waitMs: 10_000 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // At once: Temporal's NOT_FOUND to the one long poll ends the wait. Re-reading the record until the time is up
      // (the fallback while Temporal cannot be asked) would read it again and again, and Temporal's start once more.
      const counted = await historyReadCounting();
      try {
        const records = recordReadCounting();
        const counting = createPurchaseService({ store: records.store, temporal: counted.client, settings, temporalTimeoutMs: 10_000, maxInFlightPerUser: 1_000 });
        await expect(counting.get(buyer, newPurchaseId(buyer.id), { waitMs: 10_000 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
        expect({ historyReads: counted.reads, recordReads: records.reads }).toEqual({ historyReads: 1, recordReads: 1 });
      } finally {
        await counted.close();
      }
    } finally {
      await startOrchestrator();
    }
    const done = await outcome(await service.get(buyer, purchaseIdFor(buyer.id, 'early-1')));
    expect(done.status).toBe('COMPLETED');
    expect(await dbs.store.purchase.count({ where: { userId: buyer.id } })).toBe(1);
  });

  it('reads a purchase from its encrypted start event: the codec runs before the input is parsed', async () => {
    await product('EARLY-ENC', 5);
    const buyer = await newBuyer();
    const encrypting = new Client({
      connection: env.connection,
      namespace: env.namespace,
      dataConverter: payloadDataConverter([{ id: 'start-key', key: randomBytes(32) }]),
    });
    // No orchestrator: no record, so the gateway reads the purchase from the start event in Temporal.
    await stopOrchestrator();
    try {
      const service = serviceWith(encrypting);
      const accepted = await service.create(buyer, { items: [{ sku: 'EARLY-ENC', quantity: 1 }], address: lisbon });
      const history = await env.client.workflow.getHandle(accepted.workflowId).fetchHistory();
      const stored = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      expect(Buffer.from(stored.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(stored.data!).toString('latin1')).not.toContain(lisbon.street);
      expect(await service.get(buyer, accepted.id)).toEqual(accepted);
      // Without the key, the same read fails rather than answering something made up.
      await expect(serviceWith(env.client).get(buyer, accepted.id)).rejects.toThrow();
      // This test's orchestrator holds no key: the purchase goes no further.
      await env.client.workflow.getHandle(accepted.workflowId).terminate('encrypted for a test without the key');
    } finally {
      await startOrchestrator();
    }
  });

  it('waits right after the 202 on the saga alone: one long poll, then the record the saga wrote', async () => {
    await product('EARLY-2', 5);
    const buyer = await newBuyer();
    const counted = await historyReadCounting();
    await stopOrchestrator();
    try {
      const service = serviceWith(counted.client);
      const accepted = await service.create(buyer, { items: [{ sku: 'EARLY-2', quantity: 1 }], address: lisbon });
      counted.reads = 0;
      const waiting = service.get(buyer, accepted.id, { waitMs: 30_000 });
      await startOrchestrator();
      expect((await waiting).status).toBe('COMPLETED');
      // No read of the start event: the record, there by the time the saga ended, says whose purchase it is.
      expect(counted.reads).toBe(1);
    } finally {
      await startOrchestrator();
      await counted.close();
    }
  });

  describe('GET /purchases/:id?wait=', () => {
    it('answers once the purchase is final', async () => {
      await product('WAIT-1', 5);
      const buyer = await newBuyer();
      const service = serviceWith(env.client);
      const accepted = await service.create(buyer, { items: [{ sku: 'WAIT-1', quantity: 1 }], address: lisbon });
      expect(accepted.status).not.toBe('COMPLETED');
      const waited = await service.get(buyer, accepted.id, { waitMs: 30_000 });
      expect(waited.status).toBe('COMPLETED');
    });

    it('waits on the saga in Temporal, not by re-reading the record: two reads however long the wait', async () => {
      await product('WAIT-3', 5);
      const buyer = await newBuyer();
      const records = recordReadCounting();
      const service = createPurchaseService({
        store: records.store,
        temporal: env.client,
        settings: { ...settings, cancelWindow: '2s' },
        temporalTimeoutMs: 10_000,
        maxInFlightPerUser: 1_000,
      });
      const accepted = await service.create(buyer, { items: [{ sku: 'WAIT-3', quantity: 1 }], address: lisbon });
      records.reads = 0;
      const waited = await service.get(buyer, accepted.id, { waitMs: 30_000 });
      expect(waited.status).toBe('COMPLETED');
      // The visible check and the final read: a loop re-reading every 200 ms would have made ten or more in the window.
      expect(records.reads).toBe(2);
    });

    it('reads the record once at the wait’s end while Temporal cannot be asked, never in a loop', async () => {
      await product('WAIT-5', 5);
      const buyer = await newBuyer();
      const accepted = await serviceWith(env.client, { ...settings, cancelWindow: '1h' }).create(buyer, {
        items: [{ sku: 'WAIT-5', quantity: 1 }],
        address: lisbon,
      });
      while (!(await dbs.store.purchase.findUnique({ where: { id: accepted.id } }))) await new Promise((resolve) => setTimeout(resolve, 50));
      const away = Connection.lazy({ address: '127.0.0.1:9', interceptors: [] });
      try {
        const records = recordReadCounting();
        const service = createPurchaseService({
          store: records.store,
          temporal: new Client({ connection: away }),
          settings,
          temporalTimeoutMs: 500,
          maxInFlightPerUser: 1_000,
        });
        const waited = await service.get(buyer, accepted.id, { waitMs: 1_500 });
        expect(waited.id).toBe(accepted.id);
        // The visible check and the read at the deadline: a loop re-reading every 200 ms would have made eight.
        expect(records.reads).toBe(2);
      } finally {
        await away.close();
      }
    });

    it('makes one long poll for a short wait, not a call after call as the wait ends', async () => {
      await product('WAIT-4', 5);
      const buyer = await newBuyer();
      const counted = await historyReadCounting();
      try {
        const temporal = counted.client;
        const service = serviceWith(temporal, { ...settings, cancelWindow: '1h' });
        const accepted = await service.create(buyer, { items: [{ sku: 'WAIT-4', quantity: 1 }], address: lisbon });
        // Once the saga has recorded it, the wait reads Temporal for the long poll alone.
        while (!(await dbs.store.purchase.findUnique({ where: { id: accepted.id } }))) await new Promise((resolve) => setTimeout(resolve, 50));
        counted.reads = 0;
        const waited = await service.get(buyer, accepted.id, { waitMs: 500 });
        expect(['RECEIVED', 'ORDER_REQUESTED', 'RESERVE_DELIVERED']).toContain(waited.status);
        // A long poll whose gRPC deadline is the wait's own end is answered at once, empty, by the server, again and
        // again until the deadline: a spin of calls, any of which may meet a retryable error and outlive the wait.
        expect(counted.reads).toBe(1);
        const handle = env.client.workflow.getHandle(accepted.workflowId);
        await handle.signal(cancelSignal, { reason: 'test over' });
        expect((await handle.result()).status).toBe('CANCELLED');
      } finally {
        await counted.close();
      }
    });

    it('answers at once when the caller is gone before the wait begins, and frees its wait', async () => {
      await product('WAIT-7', 5);
      const buyer = await newBuyer();
      const accepted = await serviceWith(env.client, { ...settings, cancelWindow: '1h' }).create(buyer, {
        items: [{ sku: 'WAIT-7', quantity: 1 }],
        address: lisbon,
      });
      const gone = new AbortController();
      gone.abort();
      const began = Date.now();
      // Its answer goes nowhere; what matters is that it comes, for the route then gives back the caller's wait slot.
      expect(await untilSagaEnds(env.client, accepted.id, 20_000, gone.signal)).toBe('waited');
      expect(Date.now() - began).toBeLessThan(5_000);
      const handle = env.client.workflow.getHandle(accepted.workflowId);
      await handle.signal(cancelSignal, { reason: 'test over' });
      expect((await handle.result()).status).toBe('CANCELLED');
    });

    it("lets go of its long poll's gRPC calls once the wait is over, while the caller's request lives on", async () => {
      await product('WAIT-6', 5);
      const buyer = await newBuyer();
      const accepted = await serviceWith(env.client).create(buyer, { items: [{ sku: 'WAIT-6', quantity: 1 }], address: lisbon });
      expect((await env.client.workflow.getHandle(accepted.workflowId).result()).status).toBe('COMPLETED');
      // Every call the waits make, watched until the garbage collector frees it.
      const calls = { made: 0, freed: 0 };
      const freed = new FinalizationRegistry<void>(() => {
        calls.freed += 1;
      });
      const watching: Interceptor = (options, nextCall) => {
        const call = new InterceptingCall(nextCall(options));
        calls.made += 1;
        freed.register(call);
        return call;
      };
      const connection = await Connection.connect({ address: env.address, interceptors: [watching] });
      try {
        const temporal = new Client({ connection, namespace: env.namespace, dataConverter: env.client.options.dataConverter });
        // The callers' requests outlive the waits, as a keep-alive connection's do; the waits end long before their time.
        const requests = Array.from({ length: 30 }, () => new AbortController());
        for (const request of requests) expect(await untilSagaEnds(temporal, accepted.id, 60_000, request.signal)).toBe('ended');
        v8.setFlagsFromString('--expose-gc');
        const gc = vm.runInNewContext('gc') as () => void;
        for (let round = 0; round < 20 && calls.freed < calls.made; round += 1) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(calls.made).toBeGreaterThanOrEqual(30);
        // A wait's signal that is never aborted would hold every call that listened to it for the process's life.
        expect(calls.freed).toBe(calls.made);
        expect(requests.every((request) => !request.signal.aborted)).toBe(true);
      } finally {
        await connection.close();
      }
    });

    it('answers the current state when the time is up', async () => {
      await product('WAIT-2', 5);
      const buyer = await newBuyer();
      const service = serviceWith(env.client, { ...settings, cancelWindow: '1h' });
      const accepted = await service.create(buyer, { items: [{ sku: 'WAIT-2', quantity: 1 }], address: lisbon });
      const waited = await service.get(buyer, accepted.id, { waitMs: 200 });
      expect(['RECEIVED', 'ORDER_REQUESTED', 'RESERVE_DELIVERED']).toContain(waited.status);
      const handle = env.client.workflow.getHandle(accepted.workflowId);
      await handle.signal(cancelSignal, { reason: 'test over' });
      expect((await handle.result()).status).toBe('CANCELLED');
    });
  });
});
