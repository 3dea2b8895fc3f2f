import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { activityContracts, type CarrierActivities } from '../../contracts/activities';
import { validatedActivities } from '../input-validation';
import type { DeliveryStatus } from '../../contracts/purchase';
import type { CarrierDb } from '../../prisma/clients';
import type { Prisma } from '../../prisma/carrier/generated/client';
import type { Engine } from '../../prisma/engines';
import { isUniqueViolation } from '../../prisma/errors';
import { insertIfAbsent, writeTransaction } from '../../prisma/transactions';
import {
  bookingHorizonDays,
  estimatedDeliveryDate,
  newTrackingNumber,
  nextBusinessDay,
  servedCountries,
  servesCountry,
} from './booking';
import { deliveryRef } from './deliveries';

type CarrierTx = Prisma.TransactionClient;

/**
 * The carrier's activities, each one transaction on the carrier's database, keyed by purchase id. The same code runs
 * on SQLite, PostgreSQL and MySQL; prisma/transactions.ts says what each engine locks.
 *
 * Invariants and what holds them:
 * - At most one delivery per purchase: Delivery.purchaseId is a unique key; a second run finds the delivery and
 *   returns it, and a racing run's insert fails (P2002), rolling back the day slot it took.
 * - A day never takes more than its capacity: a booking takes a slot only through the conditional update
 *   `booked < capacity` on the day's row (row lock on PostgreSQL and MySQL, the write lock on SQLite); when it matches
 *   nothing the day is full and the booking moves to the next business day. Days are tried in date order, so
 *   concurrent bookings lock day rows in one order and cannot deadlock. No room within the booking horizon is the
 *   refusal NO_DELIVERY_CAPACITY.
 * - A cancelled purchase never gets a live delivery: a cancel that comes first leaves a CANCELLED tombstone, which a
 *   late or retried schedule finds and returns instead of booking.
 * - A delivery changes status only through a conditional update from SCHEDULED (row lock), so two runs cannot both
 *   move it; only the run that moved it writes the history event and, on cancel, gives the day's slot back.
 */
export function createCarrierActivities(
  db: CarrierDb,
  /**
   * From the worker's configuration (CARRIER_NAME, CARRIER_DAILY_CAPACITY). `dailyCapacity` as a function is read at
   * each booking: the worker passes the live setting. `now` for tests.
   */
  options: { carrierName: string; dailyCapacity: number | (() => number); now?: () => Date },
): CarrierActivities {
  const { carrierName, dailyCapacity: capacity } = options;
  const dailyCapacity = typeof capacity === 'function' ? capacity : () => capacity;
  const now = options.now ?? (() => new Date());

  /** Takes a slot on the earliest business day with room, from the promised date on; answers that day. */
  async function bookEarliestDay(tx: CarrierTx, engine: Engine): Promise<string> {
    let date = estimatedDeliveryDate(now());
    for (let tried = 0; tried < bookingHorizonDays; tried += 1, date = nextBusinessDay(date)) {
      await insertIfAbsent(tx, engine, 'DeliveryDay', 'date', { date, booked: 0 });
      const { count } = await tx.deliveryDay.updateMany({
        where: { date, booked: { lt: dailyCapacity() } },
        data: { booked: { increment: 1 } },
      });
      if (count === 1) return date;
    }
    // A refusal, not a retry: room frees up only as deliveries are cancelled or days pass, and the purchase would hold
    // its reserved stock all that time. The transaction rolls back the day rows this attempt created.
    throw ApplicationFailure.nonRetryable(
      `${carrierName} has no delivery slot in the next ${bookingHorizonDays} business days from ${estimatedDeliveryDate(now())}`,
      'NO_DELIVERY_CAPACITY',
    );
  }

  /** Appends a status to the delivery's history; runs only in the transaction that changed the status. */
  async function recordEvent(tx: CarrierTx, deliveryId: string, status: DeliveryStatus) {
    const sequence = (await tx.deliveryEvent.count({ where: { deliveryId } })) + 1;
    await tx.deliveryEvent.create({ data: { deliveryId, sequence, status, at: now() } });
  }

  return validatedActivities(activityContracts.carrier, {
    async scheduleDelivery({ purchaseId, address }) {
      try {
        return await writeTransaction(db, 'Delivery', async (tx, engine) => {
          const existing = await tx.delivery.findUnique({ where: { purchaseId } });
          if (existing) return deliveryRef(existing);

          const country = address.country.trim().toUpperCase();
          if (!servesCountry(country)) {
            throw ApplicationFailure.nonRetryable(
              `${carrierName} does not deliver to ${country}; it serves ${[...servedCountries].join(' ')}`,
              'UNSERVED_COUNTRY',
            );
          }
          const estimatedDate = await bookEarliestDay(tx, engine);
          const delivery = await tx.delivery.create({
            data: {
              id: randomUUID(),
              purchaseId,
              status: 'SCHEDULED' satisfies DeliveryStatus,
              carrier: carrierName,
              trackingNumber: newTrackingNumber(),
              estimatedDate,
              country,
              address: { ...address, country },
              events: { create: { sequence: 1, status: 'SCHEDULED' satisfies DeliveryStatus, at: now() } },
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
      // A unique violation (a booking committed concurrently, on PostgreSQL or MySQL, which do not serialise
      // writers) is left to Temporal's retry: the next attempt finds that delivery and cancels it.
      await writeTransaction(db, 'Delivery', async (tx) => {
        const cancelled = await tx.delivery.updateMany({
          where: { purchaseId, status: 'SCHEDULED' satisfies DeliveryStatus },
          data: { status: 'CANCELLED' satisfies DeliveryStatus },
        });
        const existing = await tx.delivery.findUnique({ where: { purchaseId } });
        if (cancelled.count === 1 && existing) {
          await recordEvent(tx, existing.id, 'CANCELLED');
          // The slot goes back to its day (never below zero), so a later booking can have it.
          if (existing.estimatedDate) {
            await tx.deliveryDay.updateMany({
              where: { date: existing.estimatedDate, booked: { gt: 0 } },
              data: { booked: { decrement: 1 } },
            });
          }
          return;
        }
        // Already CANCELLED: nothing to do. DISPATCHED: left alone, and the saga never gets here, because it
        // dispatches only after the purchase is confirmed, and a confirmed purchase is never compensated.
        if (existing) return;
        // Nothing booked yet: a tombstone with no tracking number, date or address, so that a late schedule
        // finds it and books nothing.
        await tx.delivery.create({
          data: {
            id: randomUUID(),
            purchaseId,
            status: 'CANCELLED' satisfies DeliveryStatus,
            carrier: carrierName,
            events: { create: { sequence: 1, status: 'CANCELLED' satisfies DeliveryStatus, at: now() } },
          },
        });
      });
    },

    async dispatchDelivery({ purchaseId }) {
      return writeTransaction(db, 'Delivery', async (tx) => {
        const dispatched = await tx.delivery.updateMany({
          where: { purchaseId, status: 'SCHEDULED' satisfies DeliveryStatus },
          data: { status: 'DISPATCHED' satisfies DeliveryStatus },
        });
        const delivery = await tx.delivery.findUnique({ where: { purchaseId } });
        if (dispatched.count === 1 && delivery) await recordEvent(tx, delivery.id, 'DISPATCHED');
        if (delivery?.status === 'DISPATCHED') return deliveryRef(delivery);
        // The saga dispatches only what it scheduled and never cancelled: reaching this is a bug, not a business case.
        throw ApplicationFailure.nonRetryable(
          `No delivery to dispatch for purchase ${purchaseId}${delivery ? ` (it is ${delivery.status})` : ''}`,
          'DELIVERY_MISSING',
        );
      });
    },
  });
}
