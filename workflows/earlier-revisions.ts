/**
 * What the saga keeps only so that purchases started by earlier revisions of the workflow replay: their histories
 * (test/fixtures/histories, `<scenario>.<revision>.json`, replayed by test/integration/workflow-replay.test.ts) hold
 * commands today's runs no longer make. Each `patched()` id names what new runs do, and a history recorded before the
 * change takes the old path (README, "Changing the workflow"). The saga in ./purchase calls these at the points where
 * the old commands were made: moving a call moves a command, and a history that no longer matches fails to replay.
 */
import { condition, patched, proxyActivities, proxyLocalActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { StoreActivities } from '../contracts/activities';
import type { Purchase } from '../contracts/purchase';
import { purchaseRecordedUpdate } from '../contracts/temporal';
import { localActivityRetryThresholdMs } from '../contracts/timeouts';

export const workflowPatches = {
  /** The store's record writes run as local activities on the orchestrator, the worker that runs this workflow. */
  storeWritesAsLocalActivities: 'store-writes-as-local-activities',
  /** A cancellation window of 0 starts no timer: the saga confirms in the same workflow task. */
  noTimerForEmptyCancelWindow: 'no-timer-for-empty-cancel-window',
  /** A record write that fails for good ends the purchase (compensated, FAILED with INTERNAL), never the workflow run. */
  recordFailuresEndThePurchase: 'record-failures-end-the-purchase',
} as const;

/**
 * The store's record write. A local activity runs inside the workflow task: no activity task round trip through the
 * server, and no history events of its own but a marker. Runs started before that patch (histories without a revision
 * suffix) scheduled it as an activity task on the orchestrator's queue, with `storeOptions`. Called before the saga
 * makes any other command: the patch's marker comes first in the history.
 */
export function recordPurchaseActivity(storeOptions: ActivityOptions) {
  if (patched(workflowPatches.storeWritesAsLocalActivities)) {
    const local = {
      startToCloseTimeout: storeOptions.startToCloseTimeout,
      retry: storeOptions.retry,
      localRetryThreshold: localActivityRetryThresholdMs,
    };
    return proxyLocalActivities<StoreActivities>(local).recordPurchase;
  }
  return proxyActivities<StoreActivities>(storeOptions).recordPurchase;
}

/**
 * Purchases started with update-with-start (the `local-store-writes` histories and those without a suffix) carry the
 * `purchaseRecorded` update, which answered once the saga had created the record. Today's gateway starts the saga
 * and answers at once; the handler stays so that those histories replay.
 */
export function answerPurchaseRecorded(state: Purchase, recordCreated: () => boolean): void {
  setHandler(purchaseRecordedUpdate, async () => {
    await condition(recordCreated);
    return state;
  });
}

/**
 * Whether the cancellation window needs a timer: a window of 0 needs none, except in runs started before that patch,
 * which started one anyway.
 */
export function cancelWindowNeedsTimer(cancelWindow: Duration): boolean {
  return msToNumber(cancelWindow) > 0 || !patched(workflowPatches.noTimerForEmptyCancelWindow);
}

/**
 * Whether a record write that failed for good (a non-retryable failure: its user row missing, its record gone) lets the
 * saga end the purchase: compensated, FAILED with INTERNAL, or its final status kept when it had one. Runs started
 * before that patch failed the workflow run with the error, where it was not written in `failInternally`.
 */
export function recordFailureEndsPurchase(): boolean {
  return patched(workflowPatches.recordFailuresEndThePurchase);
}
