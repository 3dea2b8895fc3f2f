import { z } from 'zod';
import { DeliveryStatus, Sku } from './purchase';

export const Product = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  priceCents: z.number().int(),
  /** The supplier's available stock; null while the supplier cannot be reached. */
  available: z.number().int().nullable(),
}).meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

const priceCents = z.number().int().min(0).max(100_000_000);
const productName = z.string().trim().min(1).max(200);

export const CreateProductRequest = z
  .object({ sku: Sku, name: productName, priceCents, stock: z.number().int().min(0).max(1_000_000).optional() })
  .strict()
  .meta({ id: 'CreateProductRequest' });
export type CreateProductRequest = z.infer<typeof CreateProductRequest>;

export const UpdateProductRequest = z
  .object({ name: productName.optional(), priceCents: priceCents.optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.priceCents !== undefined, {
    message: 'give name, priceCents or both',
  })
  .meta({ id: 'UpdateProductRequest' });
export type UpdateProductRequest = z.infer<typeof UpdateProductRequest>;

export const StockLevel = z
  .object({ sku: z.string(), available: z.number().int(), reserved: z.number().int() })
  .meta({ id: 'StockLevel' });
export type StockLevel = z.infer<typeof StockLevel>;

export const SetStockRequest = z
  .object({ available: z.number().int().min(0).max(1_000_000) })
  .strict()
  .meta({ id: 'SetStockRequest' });
export type SetStockRequest = z.infer<typeof SetStockRequest>;

/** One status a delivery has had, and when it got it. */
export const DeliveryEvent = z.object({ status: DeliveryStatus, at: z.string() }).meta({ id: 'DeliveryEvent' });
export type DeliveryEvent = z.infer<typeof DeliveryEvent>;

/** The carrier's own record of a delivery, as its HTTP API serves it; `history` lists its statuses, oldest first. */
export const Delivery = z.object({
  id: z.string(),
  purchaseId: z.string(),
  status: DeliveryStatus,
  carrier: z.string(),
  trackingNumber: z.string(),
  estimatedDate: z.string(),
  country: z.string(),
  history: z.array(DeliveryEvent),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Delivery' });
export type Delivery = z.infer<typeof Delivery>;

/** The supplier's order for a purchase, as its HTTP API serves it. RELEASED with no items is a tombstone. */
export const SupplierOrder = z.object({
  id: z.string(),
  purchaseId: z.string(),
  status: z.enum(['RESERVED', 'RELEASED', 'SOLD']),
  supplier: z.object({ name: z.string(), leadTimeDays: z.number().int().nullable() }),
  expectedShipDate: z.string().nullable(),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'SupplierOrder' });
export type SupplierOrder = z.infer<typeof SupplierOrder>;
