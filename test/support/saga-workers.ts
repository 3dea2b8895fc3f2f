import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createCarrierActivities } from '../../activities/carrier/activities';
import { createStoreActivities } from '../../activities/store/activities';
import { createSupplierActivities } from '../../activities/supplier/activities';
import type { CarrierActivities, SupplierActivities } from '../../contracts/activities';
import { taskQueues } from '../../contracts/temporal';
import { workflowSinks } from '../../observability/temporal-tracing';
import { connectSupplier, type StoreDb, type SupplierDb } from '../../prisma/clients';
import { workflowBundleFor } from '../../workers/workflow-bundle';
import type { TestDatabases } from './databases';

export interface SagaWorkerOptions {
  /** The orchestrator's store client, when it reaches the store otherwise than `dbs.store` does (through a proxy). */
  storeDb?: StoreDb;
  /** The carrier's daily capacity (CARRIER_DAILY_CAPACITY); a function is read at each booking. 1000 unless given. */
  dailyCapacity?: number | (() => number);
  /** Wraps each supplier worker's real activities, to make them misbehave. */
  supplier?: (real: SupplierActivities) => SupplierActivities;
  /** Wraps the carrier's real activities, to make them misbehave or to watch them. */
  carrier?: (real: CarrierActivities) => CarrierActivities;
  /** How many supplier workers run, as production may run several; 1 unless given. */
  supplierWorkers?: number;
  /** Every worker's data converter, as the services give theirs (codec/data-converter.ts); the SDK's default unless given. */
  dataConverter?: DataConverter;
}

/**
 * The three owners' workers on a real Temporal with the real activities on `dbs`: the orchestrator (the workflows and
 * the store's activities), the supplier and the carrier, each on its task queue, running until `shutdown()`.
 */
export async function startSagaWorkers(env: TestWorkflowEnvironment, dbs: TestDatabases, options: SagaWorkerOptions = {}) {
  const { storeDb = dbs.store, dailyCapacity = 1000, supplierWorkers = 1 } = options;
  const wrapSupplier = options.supplier ?? ((real) => real);
  const wrapCarrier = options.carrier ?? ((real) => real);
  const supplierOf = (db: SupplierDb) => wrapSupplier(createSupplierActivities(db, { supplierName: 'Test Supply', leadTimeDays: 1 }));
  const connection = env.nativeConnection;
  const ownConnections: NativeConnection[] = [];
  const ownSupplierDbs: SupplierDb[] = [];
  const create = (workerOptions: WorkerOptions) =>
    Worker.create({ ...workerOptions, ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}) });

  const orchestrator = async () =>
    create({
      connection,
      taskQueue: taskQueues.purchases,
      // The prebuilt bundle (build/workflows), rebuilt only when a workflow source changed.
      workflowBundle: await workflowBundleFor(require.resolve('../../workflows')),
      sinks: workflowSinks(),
      activities: createStoreActivities(storeDb),
    });
  const furtherSupplier = async () => {
    // Its own connection: one connection may hold only one worker per task queue.
    const own = await NativeConnection.connect({ address: env.address });
    ownConnections.push(own);
    // Its own pool on a server engine. On SQLite it shares the first one's client: better-sqlite3 waits for the file
    // lock synchronously, which would block this one event loop.
    let db = dbs.supplier;
    if (dbs.engine !== 'sqlite') {
      db = connectSupplier(dbs.urls.supplier);
      ownSupplierDbs.push(db);
    }
    return create({ connection: own, taskQueue: taskQueues.supplier, activities: supplierOf(db) });
  };

  const workers = await Promise.all([
    orchestrator(),
    create({ connection, taskQueue: taskQueues.supplier, activities: supplierOf(dbs.supplier) }),
    ...Array.from({ length: supplierWorkers - 1 }, furtherSupplier),
    create({
      connection,
      taskQueue: taskQueues.carrier,
      activities: wrapCarrier(createCarrierActivities(dbs.carrier, { carrierName: 'Test Parcel', dailyCapacity })),
    }),
  ]);
  const running = workers.map((worker) => worker.run());

  return {
    /** Stops the orchestrator's worker alone, as when its process is gone: sagas wait for their next workflow task. */
    async stopOrchestrator() {
      workers[0].shutdown();
      await running[0];
    },
    /** Starts the orchestrator's worker again, unless it runs. */
    async startOrchestrator() {
      if (workers[0].getState() === 'RUNNING') return;
      workers[0] = await orchestrator();
      running[0] = workers[0].run();
    },
    /** Stops every worker, waits for them to end, and lets go of the connections and clients this started. */
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      const ended = await Promise.allSettled(running);
      await Promise.all(ownSupplierDbs.map((db) => db.$disconnect()));
      await Promise.all(ownConnections.map((own) => own.close()));
      const crashed = ended.find((result) => result.status === 'rejected');
      if (crashed) throw crashed.reason;
    },
  };
}
export type SagaWorkers = Awaited<ReturnType<typeof startSagaWorkers>>;
