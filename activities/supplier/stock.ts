import type { StockLevel } from '../../contracts/catalog';
import type { SupplierDb } from '../../prisma/clients';
import { writeTransaction } from '../../prisma/transactions';

/** Stock administration for the supplier's HTTP API and its first start; reservations live in `activities.ts`. */

const stockLevel = ({ sku, available, reserved }: StockLevel): StockLevel => ({ sku, available, reserved });

/** Sets what can still be reserved; units that purchases in flight hold stay reserved. */
export function setAvailable(db: SupplierDb, sku: string, available: number): Promise<StockLevel> {
  // In a write transaction: on the adapter's single connection a bare write could join another transaction.
  return writeTransaction(db, 'Inventory', async (tx) =>
    stockLevel(
      await tx.inventory.upsert({
        where: { sku },
        create: { sku, available, reserved: 0 },
        update: { available },
      }),
    ),
  );
}

export async function getStock(db: SupplierDb, sku: string): Promise<StockLevel | undefined> {
  const row = await db.inventory.findUnique({ where: { sku } });
  return row ? stockLevel(row) : undefined;
}

export async function listStock(db: SupplierDb): Promise<StockLevel[]> {
  const rows = await db.inventory.findMany({ orderBy: { sku: 'asc' } });
  return rows.map(stockLevel);
}

/** First start only: stocks the seed catalog when the supplier has no inventory at all. Returns whether it did. */
export function seedStock(db: SupplierDb, catalog: readonly { sku: string; stock: number }[]): Promise<boolean> {
  return writeTransaction(db, 'Inventory', async (tx) => {
    if ((await tx.inventory.count()) > 0) return false;
    await tx.inventory.createMany({ data: catalog.map(({ sku, stock }) => ({ sku, available: stock, reserved: 0 })) });
    return true;
  });
}
