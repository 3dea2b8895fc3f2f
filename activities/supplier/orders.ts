import { randomUUID } from 'node:crypto';
import type { SupplierOrder } from '../../contracts/catalog';
import type { SupplierDb } from '../../prisma/clients';
import { isUniqueViolation } from '../../prisma/errors';
import { writeTransaction } from '../../prisma/transactions';

/**
 * A supplier order's life: RESERVED holds units in `reserved`; SOLD has taken them out of stock; RELEASED gave them
 * back, or is a tombstone left by a release that came before any reservation (then it has no items).
 */
export const supplierOrderStatuses = ['RESERVED', 'RELEASED', 'SOLD'] as const;
export type SupplierOrderStatus = (typeof supplierOrderStatuses)[number];
export type SupplierOrderView = SupplierOrder;

export interface SupplierInfo {
  id: string;
  name: string;
  leadTimeDays: number;
}

/**
 * The supplier's own record (name, lead time), created or updated from configuration. Idempotent, also when two
 * supplier instances start at once: the name is unique, and the loser of an insert race updates the winner's row.
 */
export async function ensureSupplier(db: SupplierDb, info: { name: string; leadTimeDays: number }): Promise<SupplierInfo> {
  const write = () =>
    writeTransaction(db, 'Supplier', async (tx) => {
      const existing = await tx.supplier.findUnique({ where: { name: info.name } });
      if (existing) {
        if (existing.leadTimeDays === info.leadTimeDays) return existing;
        return tx.supplier.update({ where: { id: existing.id }, data: { leadTimeDays: info.leadTimeDays } });
      }
      return tx.supplier.create({ data: { id: randomUUID(), name: info.name, leadTimeDays: info.leadTimeDays } });
    });
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return write();
  }
}

/** The day an order reserved on `from` ships: the supplier's lead time in calendar days later (UTC, YYYY-MM-DD). */
export function expectedShipDate(from: Date, leadTimeDays: number): string {
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  date.setUTCDate(date.getUTCDate() + leadTimeDays);
  return date.toISOString().slice(0, 10);
}

/** The supplier's order for a purchase, with its items and its supplier, as the HTTP API serves it. */
export async function findSupplierOrder(db: SupplierDb, purchaseId: string): Promise<SupplierOrderView | undefined> {
  const order = await db.supplierOrder.findUnique({
    where: { purchaseId },
    include: { items: { orderBy: { sku: 'asc' } }, supplier: true },
  });
  if (!order) return undefined;
  return {
    id: order.id,
    purchaseId: order.purchaseId,
    status: order.status as SupplierOrderStatus,
    supplier: { name: order.supplier?.name ?? order.supplierName, leadTimeDays: order.supplier?.leadTimeDays ?? null },
    expectedShipDate: order.expectedShipDate,
    items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
