import type { Delivery } from '../../contracts/catalog';
import type { DeliveryRef, DeliveryStatus } from '../../contracts/purchase';
import type { CarrierDb } from '../../prisma/clients';
import type { Delivery as DeliveryRow, DeliveryEvent as DeliveryEventRow } from '../../prisma/carrier/generated/client';

/** The carrier's deliveries as its HTTP API and the saga see them. A tombstone's missing fields read as ''. */

export function deliveryRef(row: DeliveryRow): DeliveryRef {
  return {
    id: row.id,
    status: row.status as DeliveryStatus,
    carrier: row.carrier,
    trackingNumber: row.trackingNumber ?? '',
    estimatedDate: row.estimatedDate ?? '',
  };
}

export function deliveryView(row: DeliveryRow & { events: DeliveryEventRow[] }): Delivery {
  return {
    ...deliveryRef(row),
    purchaseId: row.purchaseId,
    country: row.country ?? '',
    history: [...row.events]
      .sort((a, b) => a.sequence - b.sequence)
      .map((event) => ({ status: event.status as DeliveryStatus, at: event.at.toISOString() })),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const withHistory = { events: { orderBy: { sequence: 'asc' } } } as const;

export async function getDelivery(db: CarrierDb, id: string): Promise<Delivery | undefined> {
  const row = await db.delivery.findUnique({ where: { id }, include: withHistory });
  return row ? deliveryView(row) : undefined;
}

/** A purchase's delivery (at most one), or the most recent ones when no purchase is named. */
export async function listDeliveries(
  db: CarrierDb,
  filter: { purchaseId?: string; limit?: number },
): Promise<Delivery[]> {
  const rows = await db.delivery.findMany({
    where: filter.purchaseId === undefined ? {} : { purchaseId: filter.purchaseId },
    orderBy: { createdAt: 'desc' },
    take: filter.limit ?? 100,
    include: withHistory,
  });
  return rows.map(deliveryView);
}

/** Deliveries booked per day from `from` (YYYY-MM-DD) on, for the carrier's HTTP API. */
export async function bookedDays(db: CarrierDb, from: string, capacity: number) {
  const days = await db.deliveryDay.findMany({ where: { date: { gte: from } }, orderBy: { date: 'asc' }, take: 60 });
  return days.map(({ date, booked }) => ({ date, booked, capacity }));
}
