import type {
  Address,
  DeliveryRef,
  HistoryEntry,
  Purchase,
  PurchaseFailure,
  PurchaseItem,
  PurchaseStatus,
  SupplierOrderRef,
} from '../../contracts/purchase';
import type { Purchase as PurchaseRow } from '../../prisma/store/generated/client';

/**
 * The purchase resource from its record in the store's database. The saga's store activity writes every column, the
 * JSON ones from the contract's types (activities/store/activities.ts); the gateway only reads them.
 */
export function purchaseFromRow(row: PurchaseRow): Purchase {
  return {
    id: row.id,
    workflowId: row.workflowId,
    customerId: row.userId,
    status: row.status as PurchaseStatus,
    items: row.items as PurchaseItem[],
    address: row.address as Address,
    ...(row.voucherCode ? { voucher: { code: row.voucherCode } } : {}),
    totalCents: row.totalCents,
    discountCents: row.discountCents,
    ...(row.supplier ? { supplier: row.supplier as SupplierOrderRef } : {}),
    ...(row.delivery ? { delivery: row.delivery as DeliveryRef } : {}),
    ...(row.failure ? { failure: row.failure as PurchaseFailure } : {}),
    history: row.history as HistoryEntry[],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
