import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../config';
import type { CarrierActivities } from '../../contracts/activities';
import type { DeliveryStatus } from '../../contracts/purchase';
import type { CarrierDb } from '../../prisma/clients';
import { isUniqueViolation, writeTransaction } from '../../prisma/transactions';
import { estimatedDeliveryDate, newTrackingNumber, servedCountries, servesCountry } from './booking';
import { deliveryRef } from './deliveries';

/**
 * The carrier's activities, each one transaction on the carrier's database, keyed by purchase id.
 *
 * Invariants and what holds them:
 * - At most one delivery per purchase: Delivery.purchaseId is unique; a second run finds the delivery and returns it.
 * - A cancelled purchase never gets a live delivery: a cancel that comes first leaves a CANCELLED tombstone, which a
 *   late or retried schedule finds and returns instead of booking.
 * - A delivery changes status only through a conditional update from SCHEDULED, so two runs cannot both move it.
 */
export function createCarrierActivities(db: CarrierDb, options: { carrierName?: string } = {}): CarrierActivities {
  const carrierName = options.carrierName ?? loadConfig().services.carrier.name;

  return {
    async scheduleDelivery({ purchaseId, address }) {
      try {
        return await writeTransaction(db, 'Delivery', async (tx) => {
          const existing = await tx.delivery.findUnique({ where: { purchaseId } });
          if (existing) return deliveryRef(existing);

          const country = address.country.trim().toUpperCase();
          if (!servesCountry(country)) {
            throw ApplicationFailure.nonRetryable(
              `${carrierName} does not deliver to ${country}; it serves ${[...servedCountries].join(' ')}`,
              'UNSERVED_COUNTRY',
            );
          }
          const delivery = await tx.delivery.create({
            data: {
              id: randomUUID(),
              purchaseId,
              status: 'SCHEDULED' satisfies DeliveryStatus,
              carrier: carrierName,
              trackingNumber: newTrackingNumber(),
              estimatedDate: estimatedDeliveryDate(new Date()),
              country,
              address: { ...address, country },
            },
          });
          return deliveryRef(delivery);
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another worker booked (or cancelled) this purchase's delivery at the same moment: its record is the answer.
        const delivery = await db.delivery.findUnique({ where: { purchaseId } });
        if (!delivery) throw error;
        return deliveryRef(delivery);
      }
    },

    async cancelDelivery({ purchaseId }) {
      // A unique violation (a booking committed concurrently, on a database that does not serialise writers) is left
      // to Temporal's retry: the next attempt finds that delivery and cancels it.
      await writeTransaction(db, 'Delivery', async (tx) => {
        const cancelled = await tx.delivery.updateMany({
          where: { purchaseId, status: 'SCHEDULED' satisfies DeliveryStatus },
          data: { status: 'CANCELLED' satisfies DeliveryStatus },
        });
        if (cancelled.count === 1) return;
        // Already CANCELLED: nothing to do. DISPATCHED: left alone, and the saga never gets here, because it
        // dispatches only after the purchase is confirmed, and a confirmed purchase is never compensated.
        const existing = await tx.delivery.findUnique({ where: { purchaseId } });
        if (existing) return;
        // Nothing booked yet: a tombstone with no tracking number, date or address, so that a late schedule
        // finds it and books nothing.
        await tx.delivery.create({
          data: { id: randomUUID(), purchaseId, status: 'CANCELLED' satisfies DeliveryStatus, carrier: carrierName },
        });
      });
    },

    async dispatchDelivery({ purchaseId }) {
      return writeTransaction(db, 'Delivery', async (tx) => {
        await tx.delivery.updateMany({
          where: { purchaseId, status: 'SCHEDULED' satisfies DeliveryStatus },
          data: { status: 'DISPATCHED' satisfies DeliveryStatus },
        });
        const delivery = await tx.delivery.findUnique({ where: { purchaseId } });
        if (delivery?.status === 'DISPATCHED') return deliveryRef(delivery);
        // The saga dispatches only what it scheduled and never cancelled: reaching this is a bug, not a business case.
        throw ApplicationFailure.nonRetryable(
          `No delivery to dispatch for purchase ${purchaseId}${delivery ? ` (it is ${delivery.status})` : ''}`,
          'DELIVERY_MISSING',
        );
      });
    },
  };
}
