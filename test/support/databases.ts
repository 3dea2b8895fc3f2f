import { migrateDatabase } from '../../prisma/migrations';
import { connectCarrier, connectStore, connectSupplier } from '../../prisma/clients';
import { createEmptyDatabase, type Engine } from './engines';

/**
 * Fresh, migrated databases for the three services on one engine: SQLite files in a temporary folder, or throw-away
 * databases on the PostgreSQL or MariaDB server. `drop()` removes them.
 */
export async function createTestDatabases(engine: Engine = 'sqlite') {
  const [store, supplier, carrier] = await Promise.all(
    (['store', 'supplier', 'carrier'] as const).map((name) => createEmptyDatabase(engine, name)),
  );
  const urls = { store: store.url, supplier: supplier.url, carrier: carrier.url };
  try {
    await Promise.all([
      migrateDatabase('store', urls.store),
      migrateDatabase('supplier', urls.supplier),
      migrateDatabase('carrier', urls.carrier),
    ]);
  } catch (error) {
    await Promise.all([store.drop(), supplier.drop(), carrier.drop()]);
    throw error;
  }
  const clients = { store: connectStore(urls.store), supplier: connectSupplier(urls.supplier), carrier: connectCarrier(urls.carrier) };
  return {
    engine,
    urls,
    ...clients,
    async drop() {
      await Promise.all([clients.store.$disconnect(), clients.supplier.$disconnect(), clients.carrier.$disconnect()]);
      await Promise.all([store.drop(), supplier.drop(), carrier.drop()]);
    },
  };
}
export type TestDatabases = Awaited<ReturnType<typeof createTestDatabases>>;

/** Fresh databases for `startSystem`: empty (the services migrate them at start), as env for the three URLs. */
export async function createSystemDatabases(engine: Engine) {
  if (engine === 'sqlite') return { env: {} as Record<string, string>, drop: async () => undefined };
  const [store, supplier, carrier] = await Promise.all(
    (['store', 'supplier', 'carrier'] as const).map((name) => createEmptyDatabase(engine, name)),
  );
  return {
    env: { DATABASE_URL: store.url, SUPPLIER_DATABASE_URL: supplier.url, CARRIER_DATABASE_URL: carrier.url } as Record<string, string>,
    drop: async () => {
      await Promise.all([store.drop(), supplier.drop(), carrier.drop()]);
    },
  };
}
