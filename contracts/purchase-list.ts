import { z } from 'zod';
import { Purchase, PurchaseStatus } from './purchase';

/** A page of GET /purchases holds `limit` purchases: 50 unless asked, at most 200. */
export const purchasePageSize = { default: 50, max: 200 } as const;

/** GET /purchases' query: a status filter, the page size and where the page starts. */
export const PurchaseListQuery = z.object({
  status: PurchaseStatus.optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(purchasePageSize.max)
    .default(purchasePageSize.default)
    .meta({ description: `At most this many purchases (1 to ${purchasePageSize.max}; default ${purchasePageSize.default})` }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'Where the page starts: the `nextCursor` of the page before, as it was given (opaque)' }),
});
export type PurchaseListQuery = z.infer<typeof PurchaseListQuery>;

/** One page, newest first; `nextCursor` is there when more purchases follow. */
export const PurchasePage = z
  .object({
    items: z.array(Purchase),
    nextCursor: z
      .string()
      .optional()
      .meta({ description: 'Pass as `cursor` for the next page; absent on the last page' }),
  })
  .meta({ id: 'PurchasePage' });
export type PurchasePage = z.infer<typeof PurchasePage>;
