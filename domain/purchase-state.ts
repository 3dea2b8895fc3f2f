import type { PurchaseStatus } from '../contracts/purchase';

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
