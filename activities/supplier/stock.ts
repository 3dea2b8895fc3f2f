import type { StockLevel } from '../../contracts/catalog';
import type { SupplierDb } from '../../prisma/clients';
import { isUniqueViolation } from '../../prisma/errors';
import { writeTransaction } from '../../prisma/transactions';

/** Stock administration for the supplier's HTTP API and its first start; reservations live in `activities.ts`. */

const stockLevel = ({ sku, available, reserved }: StockLevel): StockLevel => ({ sku, available, reserved });

/** Sets what can still be reserved; units that purchases in flight hold stay reserved. */
export async function setAvailable(db: SupplierDb, sku: string, available: number): Promise<StockLevel> {
  // In a write transaction: on SQLite's single connection a bare write could join another transaction.
  const upsert = () =>
    writeTransaction(db, 'Inventory', async (tx) =>
      stockLevel(
        await tx.inventory.upsert({
          where: { sku },
          create: { sku, available, reserved: 0 },
          update: { available },
        }),
      ),
    );
  try {
    return await upsert();
  } catch (error) {
    // On MySQL Prisma's upsert reads, then inserts: a concurrent first stocking of the SKU wins the insert, and this
    // second attempt finds its row and updates it.
    if (!isUniqueViolation(error)) throw error;
    return upsert();
  }
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
export async function seedStock(db: SupplierDb, catalog: readonly { sku: string; stock: number }[]): Promise<boolean> {
  try {
    return await writeTransaction(db, 'Inventory', async (tx) => {
      if ((await tx.inventory.count()) > 0) return false;
      await tx.inventory.createMany({ data: catalog.map(({ sku, stock }) => ({ sku, available: stock, reserved: 0 })) });
      return true;
    });
  } catch (error) {
    // Two supplier instances starting at once on PostgreSQL or MySQL both saw no stock: the SKU's primary key let
    // one seed, and the other's whole insert rolled back.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}
