/**
 * The orchestrator: the purchase workflow on task queue `purchases`, and the store activity that writes each
 * transition to the store's database, which it shares with the gateway.
 */
import { createStoreActivities } from '../activities/store/activities';
import { taskQueues } from '../contracts/temporal';
import { connectStore } from '../prisma/clients';
import { runWorker } from './bootstrap';
import { ensureSearchAttributes } from './search-attributes';

void runWorker({
  service: 'orchestrator',
  taskQueue: taskQueues.purchases,
  // The gateway owns the store's schema and migrates it; two processes migrating one SQLite file at once collide.
  // The orchestrator only updates purchase records the gateway has already written.
  database: { name: 'store', connect: connectStore, migrate: false },
  activities: (db) => createStoreActivities(db),
  // The worker bundles the workflows with webpack; they import contracts/ (zod, @temporalio/workflow) and domain/.
  workflowsPath: require.resolve('../workflows'),
  prepare: ({ connection, config, logger }) => ensureSearchAttributes(connection, config.temporal.namespace, logger),
});
