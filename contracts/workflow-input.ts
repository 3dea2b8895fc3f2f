import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import { Address, PurchaseFailure, PurchaseItem, Voucher } from './purchase';

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
