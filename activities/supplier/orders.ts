import type { SupplierDb } from '../../prisma/clients';

/**
 * A supplier order's life: RESERVED holds units in `reserved`; SOLD has taken them out of stock; RELEASED gave them
 * back, or is a tombstone left by a release that came before any reservation (then it has no items).
 */
export const supplierOrderStatuses = ['RESERVED', 'RELEASED', 'SOLD'] as const;
export type SupplierOrderStatus = (typeof supplierOrderStatuses)[number];

export interface SupplierOrderView {
  id: string;
  purchaseId: string;
  status: SupplierOrderStatus;
  supplierName: string;
  items: { sku: string; quantity: number }[];
  createdAt: string;
  updatedAt: string;
}

/** The supplier's order for a purchase, with its items, as the HTTP API serves it. */
export async function findSupplierOrder(db: SupplierDb, purchaseId: string): Promise<SupplierOrderView | undefined> {
  const order = await db.supplierOrder.findUnique({
    where: { purchaseId },
    include: { items: { orderBy: { sku: 'asc' } } },
  });
  if (!order) return undefined;
  return {
    id: order.id,
    purchaseId: order.purchaseId,
    status: order.status as SupplierOrderStatus,
    supplierName: order.supplierName,
    items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
