import { z } from 'zod';
import { businessRefusalCodes } from './errors';
import { maxCancelReasonLength } from './cancel';

export const purchaseStatuses = [
  'RECEIVED',
  'ORDER_REQUESTED',
  'RESERVE_DELIVERED',
  'COMPENSATING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const;
export const PurchaseStatus = z.enum(purchaseStatuses).meta({ id: 'PurchaseStatus' });
export type PurchaseStatus = z.infer<typeof PurchaseStatus>;
export const finalPurchaseStatuses: readonly PurchaseStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export const Sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"');

export const ItemRequest = z.object({
  sku: Sku,
  quantity: z.number().int().min(1).max(1000),
}).meta({ id: 'ItemRequest' });
export type ItemRequest = z.infer<typeof ItemRequest>;

const text = (max: number) => z.string().trim().min(1).max(max);

export const Address = z.object({
  name: text(200),
  street: text(300),
  city: text(100),
  postalCode: text(20),
  country: z
    .string()
    .trim()
    .length(2)
    .regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 code')
    .transform((code) => code.toUpperCase()),
}).meta({ id: 'Address' });
export type Address = z.infer<typeof Address>;

export const Voucher = z.object({ code: text(64) }).meta({ id: 'Voucher' });
export type Voucher = z.infer<typeof Voucher>;

/** Strict down to its leaves: an unknown field anywhere (a price, a `__proto__`) is a 400, never silently dropped. */
export const PurchaseRequest = z
  .object({
    items: z
      .array(ItemRequest.strict())
      .min(1)
      .max(50)
      .refine((items) => new Set(items.map((item) => item.sku)).size === items.length, {
        message: 'each SKU may appear once; raise its quantity instead',
      }),
    address: Address.strict(),
    voucher: Voucher.strict().optional(),
  })
  .strict()
  .meta({ id: 'PurchaseRequest' });
export type PurchaseRequest = z.infer<typeof PurchaseRequest>;

export const PurchaseItem = z.object({
  sku: z.string(),
  quantity: z.number().int(),
  unitPriceCents: z.number().int(),
}).meta({ id: 'PurchaseItem' });
export type PurchaseItem = z.infer<typeof PurchaseItem>;

export const SupplierOrderRef = z.object({ orderId: z.string(), name: z.string() }).meta({ id: 'SupplierOrderRef' });
export type SupplierOrderRef = z.infer<typeof SupplierOrderRef>;

export const deliveryStatuses = ['SCHEDULED', 'DISPATCHED', 'CANCELLED'] as const;
export const DeliveryStatus = z.enum(deliveryStatuses).meta({ id: 'DeliveryStatus' });
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const DeliveryRef = z.object({
  id: z.string(),
  status: DeliveryStatus,
  carrier: z.string(),
  trackingNumber: z.string(),
  /** YYYY-MM-DD; empty, like `trackingNumber`, for a delivery cancelled before it was ever booked (a tombstone). */
  estimatedDate: z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/),
}).meta({ id: 'DeliveryRef' });
export type DeliveryRef = z.infer<typeof DeliveryRef>;

export const PurchaseFailure = z.object({
  /** INTERNAL: neither a refusal nor a cancel (a bug, a corrupt record); the saga compensated before failing. */
  code: z.enum([...businessRefusalCodes, 'CANCELLED', 'INTERNAL']),
  message: z.string(),
}).meta({ id: 'PurchaseFailure' });
export type PurchaseFailure = z.infer<typeof PurchaseFailure>;

export const HistoryEntry = z.object({
  status: PurchaseStatus,
  at: z.string(),
  note: z.string().optional(),
}).meta({ id: 'HistoryEntry' });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** The purchase resource: what the REST API answers and what the workflow's `status` query returns. */
export const Purchase = z.object({
  id: z.string(),
  workflowId: z.string(),
  customerId: z.string(),
  status: PurchaseStatus,
  items: z.array(PurchaseItem),
  address: Address,
  voucher: Voucher.optional(),
  totalCents: z.number().int(),
  discountCents: z.number().int(),
  supplier: SupplierOrderRef.optional(),
  delivery: DeliveryRef.optional(),
  failure: PurchaseFailure.optional(),
  history: z.array(HistoryEntry),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Purchase' });
export type Purchase = z.infer<typeof Purchase>;

export const CancelRequest = z
  .object({ reason: z.string().trim().max(maxCancelReasonLength).optional() })
  .strict()
  .meta({ id: 'CancelRequest' });
export type CancelRequest = z.infer<typeof CancelRequest>;
