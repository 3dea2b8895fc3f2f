import type { Delivery } from '../../contracts/catalog';
import type { DeliveryRef, DeliveryStatus } from '../../contracts/purchase';
import type { CarrierDb } from '../../prisma/clients';
import type { Delivery as DeliveryRow } from '../../prisma/carrier/generated/client';

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

export function deliveryView(row: DeliveryRow): Delivery {
  return {
    ...deliveryRef(row),
    purchaseId: row.purchaseId,
    country: row.country ?? '',
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function getDelivery(db: CarrierDb, id: string): Promise<Delivery | undefined> {
  const row = await db.delivery.findUnique({ where: { id } });
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
  });
  return rows.map(deliveryView);
}
