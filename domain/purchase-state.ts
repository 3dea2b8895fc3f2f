import type { Purchase, PurchaseStatus } from '../contracts/purchase';
import { purchaseWorkflowId } from '../contracts/temporal';
import type { PurchaseWorkflowInput } from '../contracts/workflow-input';

/** The saga's state diagram: every move the workflow may make. */
const transitions: Record<PurchaseStatus, readonly PurchaseStatus[]> = {
  RECEIVED: ['ORDER_REQUESTED', 'FAILED', 'COMPENSATING'],
  ORDER_REQUESTED: ['RESERVE_DELIVERED', 'COMPENSATING'],
  RESERVE_DELIVERED: ['COMPLETED', 'COMPENSATING'],
  COMPENSATING: ['FAILED', 'CANCELLED'],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: PurchaseStatus, to: PurchaseStatus): boolean {
  return transitions[from].includes(to);
}

export function isFinal(status: PurchaseStatus): boolean {
  return transitions[status].length === 0;
}

export class IllegalTransitionError extends Error {
  constructor(from: PurchaseStatus, to: PurchaseStatus) {
    super(`A purchase cannot move from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function assertTransition(from: PurchaseStatus, to: PurchaseStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/**
 * The purchase as its saga begins: the workflow's first state, and what the gateway answers with the 202 and for a
 * purchase whose saga has not recorded it yet. Both build it from the same input, so both say the same.
 */
export function receivedPurchase(input: PurchaseWorkflowInput): Purchase {
  return {
    id: input.purchaseId,
    workflowId: purchaseWorkflowId(input.purchaseId),
    customerId: input.customerId,
    status: 'RECEIVED',
    items: input.items,
    address: input.address,
    ...(input.voucher ? { voucher: input.voucher } : {}),
    totalCents: input.totalCents,
    discountCents: input.discountCents,
    history: [{ status: 'RECEIVED', at: input.createdAt }],
    createdAt: input.createdAt,
    updatedAt: input.createdAt,
  };
}
