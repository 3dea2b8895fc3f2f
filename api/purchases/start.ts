import type { Client } from '@temporalio/client';
import type { Purchase } from '../../contracts/purchase';
import { describeItems, purchaseMemo } from '../../contracts/purchase-memo';
import { purchaseWorkflowId, purchaseWorkflowType, searchAttributes, taskQueues } from '../../contracts/temporal';
import type { PurchaseWorkflowInput } from '../../contracts/workflow-input';
import { receivedPurchase } from '../../domain/purchase-state';
import type { WithinDeadline } from './temporal-deadline';

/**
 * Starts the saga and answers once Temporal has stored the start, as a bare `workflow.start` does: the purchase is
 * then durable, and its saga writes the record in its first workflow task. The gateway writes no record of its own,
 * so nothing has to be undone when a start fails or its answer is lost. A workflow of this id that exists already,
 * running or closed, is refused by Temporal (conflict policy FAIL, reuse policy REJECT_DUPLICATE): the caller then
 * answers with that purchase. Waiting for the record instead (update-with-start) would put the 202 behind the
 * orchestrator's queue of every purchase in flight.
 */
export async function startSaga(temporal: Client, withinDeadline: WithinDeadline, input: PurchaseWorkflowInput): Promise<Purchase> {
  const received = receivedPurchase(input);
  await withinDeadline(() =>
    temporal.workflow.start(purchaseWorkflowType, {
      taskQueue: taskQueues.purchases,
      workflowId: purchaseWorkflowId(input.purchaseId),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
      typedSearchAttributes: [
        { key: searchAttributes.customerId, value: input.customerId },
        { key: searchAttributes.purchaseStatus, value: 'RECEIVED' },
      ],
      memo: purchaseMemo(received),
      staticSummary: `Purchase of ${describeItems(input.items)}`,
    }),
  );
  return received;
}
