import { seedCatalog } from '../config/seed-catalog';
import type { StoreDb } from '../prisma/clients';
import { isUniqueViolation } from '../prisma/errors';

/**
 * A first start fills an empty catalog so that a purchase can be made at once (the supplier seeds its own stock).
 * Several gateways may start together: a product another one just inserted is fine.
 */
export async function seedCatalogIfEmpty(store: StoreDb): Promise<number> {
  if ((await store.product.count()) > 0) return 0;
  let created = 0;
  for (const { sku, name, priceCents } of seedCatalog) {
    try {
      await store.product.create({ data: { id: crypto.randomUUID(), sku, name, priceCents } });
      created += 1;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return created;
}
