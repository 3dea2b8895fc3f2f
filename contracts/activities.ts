import { z } from 'zod';
import { Address, DeliveryRef, ItemRequest, Purchase, SupplierOrderRef } from './purchase';
import { activityTaskQueues } from './temporal';

/**
 * The activities each worker offers: the task queue the workflow sends them to, and each one's input and output
 * schema. Implementations live under `activities/<owner>/` and validate their input against these at entry; the
 * workflow proxies them with the types below and never imports an implementation. Every one is idempotent, keyed by
 * purchase id.
 */

/** An activity called with input its schema refuses fails at once, never retried (a bug in the caller). */
export const invalidActivityInput = 'INVALID_ACTIVITY_INPUT';

const PurchaseId = z.string().min(1).max(200);
const ByPurchase = z.object({ purchaseId: PurchaseId });
const activity = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });

export const activityContracts = {
  supplier: {
    taskQueue: activityTaskQueues.supplier,
    activities: {
      /** Moves units from available to reserved. Refuses with OUT_OF_STOCK or UNKNOWN_SKU. */
      reserveStock: activity(z.object({ purchaseId: PurchaseId, items: z.array(ItemRequest).min(1) }), SupplierOrderRef),
      /** Gives reserved units back. Safe before, after or instead of a reservation: it leaves a tombstone. */
      releaseReservation: activity(ByPurchase, z.void()),
      /** Turns the reservation into a sale: the units leave `reserved`. */
      confirmSale: activity(ByPurchase, z.void()),
    },
  },
  carrier: {
    taskQueue: activityTaskQueues.carrier,
    activities: {
      /** Books a delivery. Refuses with UNSERVED_COUNTRY, or NO_DELIVERY_CAPACITY when its booking horizon is full. */
      scheduleDelivery: activity(z.object({ purchaseId: PurchaseId, address: Address }), DeliveryRef),
      /** Cancels the delivery; safe when none was booked (it leaves a tombstone). */
      cancelDelivery: activity(ByPurchase, z.void()),
      /** Hands the parcel to the carrier once the purchase is confirmed. */
      dispatchDelivery: activity(ByPurchase, DeliveryRef),
    },
  },
  store: {
    taskQueue: activityTaskQueues.store,
    activities: {
      /**
       * Writes the workflow's view of the purchase to its record in the store's database (activities/store/activities.ts).
       * Version 0 creates it (once: a repeat changes nothing); an older version never overwrites a newer.
       */
      recordPurchase: activity(
        z.object({ purchase: Purchase, version: z.number().int().min(0), idempotencyKey: z.string().min(1).max(200).optional() }),
        z.void(),
      ),
    },
  },
} as const;

export type ActivityOwner = keyof typeof activityContracts;
export type ActivitySchemas = Record<string, { input: z.ZodType; output: z.ZodType }>;

/** The functions a set of activity schemas describes, as the workflow calls them and the owner implements them. */
export type ActivitiesOf<Schemas extends ActivitySchemas> = {
  [Name in keyof Schemas]: (input: z.infer<Schemas[Name]['input']>) => Promise<z.infer<Schemas[Name]['output']>>;
};

export type SupplierActivities = ActivitiesOf<typeof activityContracts.supplier.activities>;
export type CarrierActivities = ActivitiesOf<typeof activityContracts.carrier.activities>;
export type StoreActivities = ActivitiesOf<typeof activityContracts.store.activities>;
