import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { activityContracts, type SupplierActivities } from '../../contracts/activities';
import { validatedActivities } from '../input-validation';
import type { ItemRequest, SupplierOrderRef } from '../../contracts/purchase';
import type { SupplierDb } from '../../prisma/clients';
import type { Prisma } from '../../prisma/supplier/generated/client';
import { isUniqueViolation } from '../../prisma/errors';
import { writeTransaction } from '../../prisma/transactions';
import { ensureSupplier, expectedShipDate, type SupplierInfo, type SupplierOrderStatus } from './orders';

/**
 * The supplier's activities. Each runs as one transaction on the supplier's database and is keyed by purchase id,
 * so Temporal may run it again (at-least-once delivery, a retry after a timeout) and nothing changes the second time.
 * The same code runs on SQLite, PostgreSQL and MySQL; prisma/transactions.ts says what each engine locks.
 *
 * Invariants and what holds them, on every engine:
 * - No oversell, no negative stock, no lost update: a reservation decrements `available` only through the
 *   conditional update `available >= quantity`, one UPDATE statement that checks and writes under the row's lock
 *   (PostgreSQL and MySQL: row lock, the waiting updater re-checks the committed row; SQLite: the file's write lock).
 *   Increments and decrements are computed by the database (`available = available - n`), never read-modify-write.
 * - No double reservation: SupplierOrder.purchaseId is a unique key, and the order is written in the same transaction
 *   as the stock it holds; a second run finds the order and returns it, and a racing run's insert fails (P2002), which
 *   rolls back its own reservation with its transaction.
 * - No double release or sale: an order leaves RESERVED only through a conditional status update (row lock), and only
 *   the run that made that move touches the stock.
 * - All or nothing: a refusal throws inside the transaction, which rolls back every item already reserved.
 * - No deadlock between multi-item purchases: SKUs are reserved in sorted order, so row locks are taken in one order.
 */
export function createSupplierActivities(
  db: SupplierDb,
  /** From the worker's configuration (SUPPLIER_NAME, SUPPLIER_LEAD_TIME_DAYS); `now` for tests. */
  options: { supplierName: string; leadTimeDays: number; now?: () => Date },
): SupplierActivities {
  const { supplierName, leadTimeDays } = options;
  const now = options.now ?? (() => new Date());
  // The supplier's own record, written once per process (and again after a failure).
  let supplierRecord: Promise<SupplierInfo> | undefined;
  const supplier = () => {
    supplierRecord ??= ensureSupplier(db, { name: supplierName, leadTimeDays }).catch((error: unknown) => {
      supplierRecord = undefined;
      throw error;
    });
    return supplierRecord;
  };

  return validatedActivities(activityContracts.supplier, {
    async reserveStock({ purchaseId, items }) {
      const { id: supplierId } = await supplier();
      try {
        return await writeTransaction(db, 'Inventory', async (tx) => {
          // A RELEASED order here is a tombstone: the release came first, so this late run reserves nothing.
          const existing = await tx.supplierOrder.findUnique({ where: { purchaseId } });
          if (existing) return orderRef(existing);

          const wanted = quantitiesBySku(items);
          for (const [sku, quantity] of [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
            const { count } = await tx.inventory.updateMany({
              where: { sku, available: { gte: quantity } },
              data: { available: { decrement: quantity }, reserved: { increment: quantity } },
            });
            if (count === 0) throw await refusal(tx, sku, quantity);
          }
          const order = await tx.supplierOrder.create({
            data: {
              id: randomUUID(),
              purchaseId,
              status: 'RESERVED' satisfies SupplierOrderStatus,
              supplierName,
              supplierId,
              expectedShipDate: expectedShipDate(now(), leadTimeDays),
              items: { create: [...wanted].map(([sku, quantity]) => ({ sku, quantity })) },
            },
          });
          return orderRef(order);
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Two workers ran this activity at once and the other one committed first: its order is the answer,
        // and this run's reservation was rolled back with its transaction.
        const order = await db.supplierOrder.findUnique({ where: { purchaseId } });
        if (!order) throw error;
        return orderRef(order);
      }
    },

    async releaseReservation({ purchaseId }) {
      const { id: supplierId } = await supplier();
      // A unique violation (a reservation committed concurrently, on PostgreSQL or MySQL, which do not serialise
      // writers) is left to Temporal's retry: the next attempt finds that order and releases it.
      await writeTransaction(db, 'Inventory', async (tx) => {
        const released = await tx.supplierOrder.updateMany({
          where: { purchaseId, status: 'RESERVED' satisfies SupplierOrderStatus },
          data: { status: 'RELEASED' satisfies SupplierOrderStatus },
        });
        if (released.count === 1) {
          for (const { sku, quantity } of await itemsOf(tx, purchaseId)) {
            await tx.inventory.update({
              where: { sku },
              data: { reserved: { decrement: quantity }, available: { increment: quantity } },
            });
          }
          return;
        }
        // Already RELEASED or SOLD: nothing to give back. No order at all: leave a tombstone so that a reservation
        // still in flight (a retry, a slow worker) finds it and reserves nothing.
        const existing = await tx.supplierOrder.findUnique({ where: { purchaseId } });
        if (existing) return;
        await tx.supplierOrder.create({
          data: {
            id: randomUUID(),
            purchaseId,
            status: 'RELEASED' satisfies SupplierOrderStatus,
            supplierName,
            supplierId,
          },
        });
      });
    },

    async confirmSale({ purchaseId }) {
      await writeTransaction(db, 'Inventory', async (tx) => {
        const sold = await tx.supplierOrder.updateMany({
          where: { purchaseId, status: 'RESERVED' satisfies SupplierOrderStatus },
          data: { status: 'SOLD' satisfies SupplierOrderStatus },
        });
        if (sold.count === 1) {
          for (const { sku, quantity } of await itemsOf(tx, purchaseId)) {
            await tx.inventory.update({ where: { sku }, data: { reserved: { decrement: quantity } } });
          }
          return;
        }
        const existing = await tx.supplierOrder.findUnique({ where: { purchaseId } });
        if (existing?.status === 'SOLD') return;
        // The saga confirms only what it reserved and never released: reaching this is a bug, not a business case.
        throw ApplicationFailure.nonRetryable(
          `No reservation to confirm for purchase ${purchaseId}${existing ? ' (it was released)' : ''}`,
          'RESERVATION_MISSING',
        );
      });
    },
  });
}

type SupplierTx = Prisma.TransactionClient;

function orderRef(order: { id: string; supplierName: string }): SupplierOrderRef {
  return { orderId: order.id, name: order.supplierName };
}

/** Quantities per SKU; a SKU listed twice is reserved once with the sum. */
function quantitiesBySku(items: ItemRequest[]): Map<string, number> {
  const wanted = new Map<string, number>();
  for (const { sku, quantity } of items) wanted.set(sku, (wanted.get(sku) ?? 0) + quantity);
  return wanted;
}

async function itemsOf(tx: SupplierTx, purchaseId: string) {
  return tx.supplierOrderItem.findMany({ where: { order: { purchaseId } } });
}

/** Why the conditional update matched nothing: the SKU is unknown, or too few units are available. */
async function refusal(tx: SupplierTx, sku: string, quantity: number): Promise<ApplicationFailure> {
  const stock = await tx.inventory.findUnique({ where: { sku } });
  if (!stock) return ApplicationFailure.nonRetryable(`Unknown SKU ${sku}`, 'UNKNOWN_SKU');
  return ApplicationFailure.nonRetryable(
    `Only ${stock.available} of ${sku} available, ${quantity} requested`,
    'OUT_OF_STOCK',
    { sku, requested: quantity, available: stock.available },
  );
}
