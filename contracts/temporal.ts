import { defineSearchAttributeKey, SearchAttributeType, type Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { Address, Purchase, PurchaseFailure, PurchaseItem, Voucher } from './purchase';

/** One source for every name that crosses the Temporal boundary: gateway, workers, tests and the CLI agree on these. */
export const taskQueues = {
  purchases: 'purchases',
  supplier: 'supplier',
  carrier: 'carrier',
} as const;

export const purchaseWorkflowType = 'purchase';
export const purchaseWorkflowId = (purchaseId: string) => `purchase-${purchaseId}`;

export const CancelSignalInput = z.object({ reason: z.string().max(500).optional() }).passthrough();
export type CancelSignalInput = z.infer<typeof CancelSignalInput>;

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

export const searchAttributes = {
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  purchaseStatus: defineSearchAttributeKey('PurchaseStatus', SearchAttributeType.KEYWORD),
} as const;

/** Durations the workflow uses; they come with the input because workflow code cannot read the environment. */
const duration = z.string().transform((value) => value as Duration);
export const SagaSettings = z.object({
  cancelWindow: duration,
  retryInitialInterval: duration,
  retryMaximumInterval: duration,
});
export type SagaSettings = z.infer<typeof SagaSettings>;

export const PurchaseWorkflowInput = z.object({
  purchaseId: z.string(),
  customerId: z.string(),
  items: z.array(PurchaseItem),
  address: Address,
  voucher: Voucher.optional(),
  totalCents: z.number().int(),
  discountCents: z.number().int(),
  /** A refusal found while pricing (unknown SKU, invalid voucher): the saga fails at once with it. */
  refusal: PurchaseFailure.optional(),
  createdAt: z.string(),
  settings: SagaSettings,
  /** The Idempotency-Key the purchase was made with: stored with the record the saga writes. */
  idempotencyKey: z.string().optional(),
});
export type PurchaseWorkflowInput = z.infer<typeof PurchaseWorkflowInput>;
