/**
 * A workflow for test/integration/database-limits.test.ts: runs one activity that holds its transaction open, with the
 * timeouts every owner's activities have (contracts/timeouts.ts), and on cancellation waits for the activity to end.
 */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import { activityTimeouts } from '../../../contracts/timeouts';

export interface HeldTransactionActivities {
  /** Takes the SKU's stock in one write transaction, and keeps the transaction open until its attempt ends. */
  takeStockAndHold(sku: string): Promise<void>;
}

const { takeStockAndHold } = proxyActivities<HeldTransactionActivities>({
  startToCloseTimeout: activityTimeouts.supplier.startToCloseMs,
  heartbeatTimeout: activityTimeouts.supplier.heartbeatTimeoutMs,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 1 },
});

export async function heldTransaction(sku: string): Promise<void> {
  await takeStockAndHold(sku);
}
