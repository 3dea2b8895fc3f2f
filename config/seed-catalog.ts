/** The small catalog a first start seeds: the gateway its products and prices, the supplier the stock. */
export const seedCatalog = [
  { sku: 'SKU-1', name: 'Espresso beans, 1 kg', priceCents: 1250, stock: 100 },
  { sku: 'SKU-2', name: 'Ceramic pour-over dripper', priceCents: 2400, stock: 40 },
  { sku: 'SKU-3', name: 'Burr grinder', priceCents: 8900, stock: 15 },
  { sku: 'SKU-4', name: 'Gooseneck kettle', priceCents: 5600, stock: 25 },
] as const;
