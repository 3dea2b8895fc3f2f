import {
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  type ActivityOptions,
} from '@temporalio/workflow';
import type {
  CustomerPurchase,
  ErasureCarrierActivities,
  ErasureHistoryActivities,
  ErasureInput,
  ErasureResult,
  ErasureStoreActivities,
} from '../contracts/erasure';
import { activityTimeouts } from '../contracts/timeouts';
import { activityTaskQueues, cancelSignal, erasureBatchSize, purchaseWorkflowId, taskQueues } from '../contracts/temporal';

// Infrastructure faults are retried without limit, as the saga's are: an erasure is delayed by a fault, never lost.
const retry: ActivityOptions['retry'] = { initialInterval: '1s', maximumInterval: '1m', backoffCoefficient: 2 };
const optionsOf = (owner: 'store' | 'carrier'): ActivityOptions => ({
  startToCloseTimeout: activityTimeouts[owner].startToCloseMs,
  heartbeatTimeout: activityTimeouts[owner].heartbeatTimeoutMs,
  taskQueue: activityTaskQueues[owner],
  retry,
});

/** A purchase started as the erasure began is found on a later look; the customer's sessions are gone by then. */
const maxLooks = 5;

/**
 * Erases a customer (contracts/erasure.ts): their purchases in flight first end (cancelled, they compensate), then
 * each owner scrubs its records, then the store's account, then their closed purchase workflows leave Temporal.
 */
export async function erasure({ customerId }: ErasureInput): Promise<ErasureResult> {
  const store = proxyActivities<ErasureStoreActivities>(optionsOf('store'));
  const carrier = proxyActivities<ErasureCarrierActivities>(optionsOf('carrier'));
  // Waiting for a saga to end may take its whole cancellation window: the heartbeat, not the timeout, notices a
  // dead worker.
  const histories = proxyActivities<ErasureHistoryActivities>({
    startToCloseTimeout: '1 day',
    heartbeatTimeout: '1 minute',
    taskQueue: taskQueues.purchases,
    retry,
  });

  const known = new Map<string, CustomerPurchase>();
  const cancelled: string[] = [];
  for (let look = 1; look <= maxLooks; look += 1) {
    setCurrentDetails(`Ending the customer's purchases in flight (look ${look})`);
    const pages = await allPages((after) =>
      store.findCustomerPurchases.executeWithOptions({ summary: "Find the customer's purchases" }, [
        { customerId, ...(after ? { after } : {}) },
      ]),
    );
    const purchases = pages.flatMap((page) => page.purchases);
    for (const purchase of purchases) known.set(purchase.purchaseId, purchase);
    const inFlight = purchases.filter((purchase) => !purchase.final);
    if (inFlight.length === 0) break;
    for (const { purchaseId, workflowId } of inFlight) {
      if (!cancelled.includes(purchaseId)) cancelled.push(purchaseId);
      await askToCancel(workflowId);
    }
    for (const batch of batches(inFlight.map((purchase) => purchase.workflowId))) {
      await histories.awaitWorkflowsClosed.executeWithOptions({ summary: `Wait for ${batch.length} purchases to end` }, [
        { workflowIds: batch },
      ]);
    }
  }

  const purchaseIds = [...known.keys()];
  setCurrentDetails(`Scrubbing the records of ${purchaseIds.length} purchases`);
  let deliveriesScrubbed = 0;
  for (const batch of batches(purchaseIds)) {
    const { scrubbed } = await carrier.scrubDeliveries.executeWithOptions(
      { summary: `Scrub the carrier's deliveries of ${batch.length} purchases` },
      [{ purchaseIds: batch }],
    );
    deliveriesScrubbed += scrubbed;
  }
  const scrubbedPages = await allPages((after) =>
    store.scrubPurchaseRecords.executeWithOptions({ summary: "Scrub the store's purchase records" }, [
      { customerId, ...(after ? { after } : {}) },
    ]),
  );
  const purchasesScrubbed = scrubbedPages.reduce((sum, page) => sum + page.scrubbed, 0);
  const account = await store.scrubAccount.executeWithOptions({ summary: "Scrub the store's account" }, [{ customerId }]);

  setCurrentDetails('Deleting the purchase workflows from Temporal');
  let workflowsDeleted = 0;
  const stillRunning: string[] = [];
  // The last call also finds, by search attribute, purchase workflows the store has no record of.
  const workflowBatches = purchaseIds.length === 0 ? [[]] : batches(purchaseIds.map(purchaseWorkflowId));
  for (const [index, batch] of workflowBatches.entries()) {
    const byCustomer = index === workflowBatches.length - 1;
    const deleted = await histories.deletePurchaseWorkflows.executeWithOptions(
      { summary: `Delete the customer's closed purchase workflows` },
      [{ customerId, workflowIds: batch, ...(byCustomer ? { byCustomer } : {}) }],
    );
    workflowsDeleted += deleted.deleted;
    stillRunning.push(...deleted.stillRunning.filter((id) => !stillRunning.includes(id)));
  }

  const result: ErasureResult = {
    customerId,
    cancelled,
    carrier: { deliveriesScrubbed },
    store: { purchasesScrubbed, accountScrubbed: account.scrubbed, sessionsEnded: account.sessionsEnded },
    temporal: { workflowsDeleted, stillRunning },
  };
  setCurrentDetails(
    `**Erased**: ${cancelled.length} purchases cancelled, ${deliveriesScrubbed} deliveries and ${purchasesScrubbed} ` +
      `purchase records scrubbed, account ${account.scrubbed ? 'scrubbed' : 'already erased'}, ` +
      `${workflowsDeleted} purchase workflows deleted`,
  );
  return result;
}

/** The saga's own cancel signal: until confirmation it compensates; a confirmed purchase completes instead. */
async function askToCancel(workflowId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(cancelSignal, { reason: 'The customer was erased' });
  } catch (error) {
    // Closed or never started: nothing to cancel.
    log.info('Cancel not delivered', { workflowId, error: String(error) });
  }
}

/** Asks for page after page, each after the last one's `next`, until a page names none. */
async function allPages<Page extends { next?: string }>(call: (after: string | undefined) => Promise<Page>): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | undefined;
  do {
    const page = await call(after);
    pages.push(page);
    after = page.next;
  } while (after);
  return pages;
}

function batches<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += erasureBatchSize) result.push(items.slice(start, start + erasureBatchSize));
  return result;
}
