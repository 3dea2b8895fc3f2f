/**
 * The orchestrator: the purchase and erasure workflows on task queue `purchases`, and the store activity that writes
 * its purchase records to the store's database (who owns what there: activities/store/activities.ts). Its `/metrics`
 * (ORCHESTRATOR_PORT) counts the purchases it finished.
 */
import { createStoreActivities } from '../activities/store/activities';
import { createErasureHistoryActivities } from '../activities/histories/erasure';
import { createErasureStoreActivities } from '../activities/store/erasure';
import { createSessionSweepActivities } from '../activities/store/session-sweep';
import { taskQueues } from '../contracts/temporal';
import { createMetricsApi } from '../observability/metrics-api';
import { createPurchaseMetrics } from '../observability/purchase-metrics';
import { connectStore, type StoreDb } from '../prisma/clients';
import { runWorker, type WorkerProcess } from './bootstrap';
import { ensureSearchAttributes } from './search-attributes';
import { ensureSessionSweepSchedule } from './session-sweep-schedule';

const purchaseMetrics = createPurchaseMetrics();

export const orchestratorWorker: WorkerProcess<StoreDb> = {
  service: 'orchestrator',
  taskQueue: taskQueues.purchases,
  // The gateway migrates the store's database: two processes migrating one SQLite file at once would collide.
  database: { name: 'store', connect: connectStore, migrate: false },
  // The session sweep's activity too (the `session-sweep` Schedule runs its workflow on this queue), and the
  // erasure's store and Temporal parts (contracts/erasure.ts).
  activities: (db, config, _live, connection) => ({
    ...createStoreActivities(db, purchaseMetrics),
    ...createSessionSweepActivities(db, { maxAgeMs: config.sessionMaxAgeMs }),
    ...createErasureStoreActivities(db),
    ...createErasureHistoryActivities(connection, config.temporal.namespace),
  }),
  // Loaded from build/workflows (npm run build:workflows), bundled again only when a file in it changed.
  workflowsPath: require.resolve('../workflows'),
  http: { port: (config) => config.orchestrator.metricsPort, app: () => createMetricsApi(purchaseMetrics.registry), registerAs: 'orchestrator' },
  prepare: async ({ connection, config, logger }) => {
    await ensureSearchAttributes(connection, config.temporal.namespace, logger);
    await ensureSessionSweepSchedule(connection, {
      namespace: config.temporal.namespace,
      intervalMs: config.sessionSweepIntervalMs,
      logger,
    });
  },
};

// Started as a process; imported (by the contracts suite) for its task queue and activities alone.
if (require.main === module) void runWorker(orchestratorWorker);
