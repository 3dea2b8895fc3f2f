import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../../prisma/cli';
import { connectCarrier, connectStore, connectSupplier } from '../../prisma/clients';

/** Fresh, migrated SQLite databases for the three services, in a temporary folder removed by `drop()`. */
export async function createTestDatabases() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purchase-saga-'));
  const urls = {
    store: `file:${path.join(dir, 'store.db')}`,
    supplier: `file:${path.join(dir, 'supplier.db')}`,
    carrier: `file:${path.join(dir, 'carrier.db')}`,
  };
  await Promise.all([
    migrateDatabase('store', urls.store),
    migrateDatabase('supplier', urls.supplier),
    migrateDatabase('carrier', urls.carrier),
  ]);
  const store = connectStore(urls.store);
  const supplier = connectSupplier(urls.supplier);
  const carrier = connectCarrier(urls.carrier);
  return {
    dir,
    urls,
    store,
    supplier,
    carrier,
    async drop() {
      await Promise.all([store.$disconnect(), supplier.$disconnect(), carrier.$disconnect()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type TestDatabases = Awaited<ReturnType<typeof createTestDatabases>>;
