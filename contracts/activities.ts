import type { Address, DeliveryRef, ItemRequest, Purchase, SupplierOrderRef } from './purchase';

/**
 * The activities each worker offers, as the workflow sees them. Implementations live under `activities/<owner>/`;
 * the workflow only ever imports these types. Every one is idempotent, keyed by purchase id.
 */
export interface SupplierActivities {
  /** Moves units from available to reserved. Refuses with OUT_OF_STOCK or UNKNOWN_SKU. */
  reserveStock(input: { purchaseId: string; items: ItemRequest[] }): Promise<SupplierOrderRef>;
  /** Gives reserved units back. Safe before, after or instead of a reservation: it leaves a tombstone. */
  releaseReservation(input: { purchaseId: string }): Promise<void>;
  /** Turns the reservation into a sale: the units leave `reserved`. */
  confirmSale(input: { purchaseId: string }): Promise<void>;
}

export interface CarrierActivities {
  /** Books a delivery. Refuses with UNSERVED_COUNTRY. */
  scheduleDelivery(input: { purchaseId: string; address: Address }): Promise<DeliveryRef>;
  /** Cancels the delivery; safe when none was booked (it leaves a tombstone). */
  cancelDelivery(input: { purchaseId: string }): Promise<void>;
  /** Hands the parcel to the carrier once the purchase is confirmed. */
  dispatchDelivery(input: { purchaseId: string }): Promise<DeliveryRef>;
}

export interface StoreActivities {
  /**
   * Writes the workflow's view of the purchase to the gateway's database; the saga is the record's only writer.
   * Version 0 creates it (once: a repeat changes nothing); an older version never overwrites a newer.
   */
  recordPurchase(input: { purchase: Purchase; version: number; idempotencyKey?: string }): Promise<void>;
}
