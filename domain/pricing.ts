import type { ItemRequest, PurchaseFailure, PurchaseItem, Voucher } from '../contracts/purchase';
import { applyVoucher } from './vouchers';

export interface Quote {
  items: PurchaseItem[];
  subtotalCents: number;
  discountCents: number;
  totalCents: number;
  /** Set when the purchase cannot go ahead on business grounds; the saga fails with it. */
  refusal?: PurchaseFailure;
}

/**
 * Prices a purchase from the catalog, never from the client. Unknown SKUs are priced at 0 and refused with
 * UNKNOWN_SKU; an invalid voucher gives no discount and is refused with INVALID_VOUCHER.
 */
export function quotePurchase(
  catalogPrices: ReadonlyMap<string, number>,
  requested: readonly ItemRequest[],
  voucher?: Voucher,
): Quote {
  const unknown = requested.filter((item) => !catalogPrices.has(item.sku)).map((item) => item.sku);
  const items = requested.map((item) => ({
    sku: item.sku,
    quantity: item.quantity,
    unitPriceCents: catalogPrices.get(item.sku) ?? 0,
  }));
  const subtotalCents = items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
  const quote = (discountCents: number, refusal?: PurchaseFailure): Quote => ({
    items,
    subtotalCents,
    discountCents,
    totalCents: subtotalCents - discountCents,
    ...(refusal ? { refusal } : {}),
  });
  if (unknown.length > 0) {
    return quote(0, { code: 'UNKNOWN_SKU', message: `Unknown SKU: ${unknown.join(', ')}` });
  }
  if (!voucher) return quote(0);
  const check = applyVoucher(voucher.code, subtotalCents);
  return check.valid ? quote(check.discountCents) : quote(0, { code: 'INVALID_VOUCHER', message: check.reason });
}
