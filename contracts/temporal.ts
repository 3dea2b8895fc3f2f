import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
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

/** The longest reason a cancel may give, through Temporal as through REST (CancelRequest in ./purchase). */
export const maxCancelReasonLength = 500;

/** A cancel's input, from the gateway's update or from anyone's signal (the CLI's too). */
export interface CancelSignalInput {
  reason?: string;
}

/**
 * What is wrong with a cancel's input, as `path: problem` lines (none when it is valid): an object, or nothing, whose
 * `reason`, if there is one, is a string of at most 500 characters. Other fields are ignored. Checked by hand, not by a
 * zod schema: the workflow checks it, and a workflow's modules, zod's among them, are evaluated anew for every run.
 */
export function cancelInputProblems(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (typeof input !== 'object' || Array.isArray(input)) return ['input: must be an object such as {"reason": "…"}'];
  const { reason } = input as { reason?: unknown };
  if (reason === undefined) return [];
  if (typeof reason !== 'string') return [`reason: must be a string, not ${reason === null ? 'null' : typeof reason}`];
  if (reason.length > maxCancelReasonLength) return [`reason: must be at most ${maxCancelReasonLength} characters`];
  return [];
}

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
