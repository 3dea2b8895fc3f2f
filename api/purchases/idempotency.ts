import { CodedError } from '../../contracts/errors';
import type { Purchase, PurchaseRequest } from '../../contracts/purchase';
import type { StoreDb } from '../../prisma/clients';

/**
 * The Idempotency-Key's rules: a key names one purchase (its id is derived from the key, ./ids.ts), and a key reused
 * with another body is refused.
 */

/**
 * The purchase a key already made, in one query: by the id the key names, or by the key itself (a purchase made before
 * ids were derived from keys).
 */
export function findByKey(store: StoreDb, userId: string, purchaseId: string, idempotencyKey: string) {
  return store.purchase.findFirst({ where: { OR: [{ id: purchaseId }, { userId, idempotencyKey }] } });
}

/** What makes two requests the same purchase: the items asked for, the address and the voucher; never the prices. */
function requestFingerprint(request: Pick<PurchaseRequest, 'items' | 'address'> & { voucherCode?: string | null }) {
  const address = request.address as Record<string, unknown>;
  return JSON.stringify({
    items: request.items.map((item) => [item.sku, item.quantity]),
    address: Object.keys(address).sort().map((key) => [key, address[key]]),
    voucher: request.voucherCode ?? null,
  });
}

/**
 * A key reused with another body is a client bug, and answering with the first purchase would hide it: 422, as the
 * IETF Idempotency-Key draft says, and nothing starts.
 */
export function sameRequestOrRefuse(stored: Purchase, request: PurchaseRequest): Purchase {
  const before = requestFingerprint({ items: stored.items, address: stored.address, voucherCode: stored.voucher?.code });
  const now = requestFingerprint({ items: request.items, address: request.address, voucherCode: request.voucher?.code });
  if (before !== now) {
    throw new CodedError(
      'IDEMPOTENCY_KEY_MISMATCH',
      'This Idempotency-Key was used for a purchase with a different body; use a new key for a new purchase',
      [{ path: 'Idempotency-Key', message: `already used for purchase ${stored.id}` }],
    );
  }
  return stored;
}
