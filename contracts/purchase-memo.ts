import type { Purchase, PurchaseItem, PurchaseStatus } from './purchase';

/**
 * The text the Web UI shows for a purchase: the gateway sets the memo with the start, the workflow upserts it at each
 * transition, so both build it here. The workflow imports this module: types only from ./purchase, no schema.
 */

/** `2 × SKU-1, 1 × SKU-2`: the items of a purchase, as activity summaries and the memo name them. */
export function describeItems(items: readonly Pick<PurchaseItem, 'sku' | 'quantity'>[]): string {
  return items.map((item) => `${item.quantity} × ${item.sku}`).join(', ');
}

export type PurchaseMemo = {
  status: PurchaseStatus;
  /** What was bought, for how much, and where it stands. */
  summary: string;
};

export function purchaseMemo(purchase: Pick<Purchase, 'items' | 'totalCents' | 'status'>): PurchaseMemo {
  return {
    status: purchase.status,
    summary: `${describeItems(purchase.items)} for ${(purchase.totalCents / 100).toFixed(2)}, ${purchase.status}`,
  };
}
