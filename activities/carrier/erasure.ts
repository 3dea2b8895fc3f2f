import { Prisma } from '../../prisma/carrier/generated/client';
import { erasureContracts, type ErasureCarrierActivities } from '../../contracts/erasure';
import type { CarrierDb } from '../../prisma/clients';
import { validatedActivities } from '../input-validation';

/**
 * The carrier's part of an erasure (contracts/erasure.ts): the deliveries of an erased customer's purchases lose their
 * address. Status, events, dates, tracking number and country stay. The carrier knows purchases, not customers: the
 * erasure workflow names the purchases.
 */
export function createCarrierErasureActivities(db: CarrierDb): ErasureCarrierActivities {
  return validatedActivities(erasureContracts.carrier, {
    async scrubDeliveries({ purchaseIds }) {
      const deliveries = await db.delivery.findMany({
        where: { purchaseId: { in: purchaseIds } },
        select: { id: true, address: true },
      });
      const withAddress = deliveries.filter((delivery) => delivery.address !== null).map((delivery) => delivery.id);
      if (withAddress.length === 0) return { scrubbed: 0 };
      const { count } = await db.delivery.updateMany({ where: { id: { in: withAddress } }, data: { address: Prisma.DbNull } });
      return { scrubbed: count };
    },
  });
}
