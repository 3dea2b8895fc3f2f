/**
 * Workflows for test/integration/database-limits.test.ts: each runs one activity that holds its transaction open, with
 * the heartbeat timeout every owner's activities have (contracts/timeouts.ts).
 */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import { activityTimeouts } from '../../../contracts/timeouts';

export interface HeldTransactionActivities {
  /** Takes one of the SKU's stock in one write transaction; the first attempt keeps the transaction open. */
  takeStockAndHold(sku: string): Promise<void>;
}

/** One attempt, with every owner's timeouts; cancelled, the workflow waits for the attempt to end. */
export async function heldTransaction(sku: string): Promise<void> {
  const { takeStockAndHold } = proxyActivities<HeldTransactionActivities>({
    startToCloseTimeout: activityTimeouts.supplier.startToCloseMs,
    heartbeatTimeout: activityTimeouts.supplier.heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 1 },
  });
  await takeStockAndHold(sku);
}

/** An attempt that outlives a short start-to-close times out and is retried, again and again until one succeeds. */
export async function heldTransactionRetried(sku: string): Promise<void> {
  const { takeStockAndHold } = proxyActivities<HeldTransactionActivities>({
    startToCloseTimeout: '3s',
    heartbeatTimeout: activityTimeouts.supplier.heartbeatTimeoutMs,
    retry: { initialInterval: '200ms', backoffCoefficient: 1 },
  });
  await takeStockAndHold(sku);
}
