import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CancelSignalInput } from './cancel';
import type { Purchase } from './purchase';

/**
 * One source for every name that crosses the Temporal boundary: gateway, workers, tests and the CLI agree on these.
 * The workflow imports this module, and a workflow's modules are evaluated anew for each run: it builds no schema (the
 * workflow's input schema is in ./workflow-input).
 */
export const taskQueues = {
  purchases: 'purchases',
  supplier: 'supplier',
  carrier: 'carrier',
} as const;

export const purchaseWorkflowType = 'purchase';
export const purchaseWorkflowId = (purchaseId: string) => `purchase-${purchaseId}`;

/** A customer's erasure (./erasure): one workflow per customer, so a second request joins or repeats it. */
export const erasureWorkflowType = 'erasure';
export const erasureWorkflowId = (userId: string) => `erasure-${userId}`;
/** Ids per erasure activity: one input stays far below Temporal's payload limit; the workflow sends batches. */
export const erasureBatchSize = 500;

/** A cancel's input and its check, shared with the REST body (./cancel). */
export { cancelInputProblems, maxCancelReasonLength, type CancelSignalInput } from './cancel';

/** `temporal workflow signal --name cancel --input '{"reason":"…"}'`: cancels until the purchase is confirmed. */
export const cancelSignal = defineSignal<[CancelSignalInput?]>('cancel');
/** Ends the cancellation window at once. */
export const confirmSignal = defineSignal<[]>('confirm');
/** The purchase resource as the workflow sees it. */
export const statusQuery = defineQuery<Purchase>('status');
/**
 * The gateway's cancel: like the signal, but it answers whether the cancel was accepted, so the REST API can say
 * 409 without racing the confirmation.
 */
export const requestCancellationUpdate = defineUpdate<Purchase, [CancelSignalInput]>('requestCancellation');
/**
 * Sent with the workflow's start (update-with-start) by earlier gateways, whose 202 waited until the saga had written
 * the purchase record; the workflow keeps answering it so that those purchases' histories replay.
 */
export const purchaseRecordedUpdate = defineUpdate<Purchase, []>('purchaseRecorded');

/** The task queue of each owner's activities. */
export const activityTaskQueues = {
  store: taskQueues.purchases,
  supplier: taskQueues.supplier,
  carrier: taskQueues.carrier,
} as const;

export const searchAttributes = {
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  purchaseStatus: defineSearchAttributeKey('PurchaseStatus', SearchAttributeType.KEYWORD),
} as const;
