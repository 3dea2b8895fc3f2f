import { ApplicationFailure } from '@temporalio/common';
import type { StoreActivities } from '../../contracts/activities';
import type { PurchaseMetrics } from '../../observability/purchase-metrics';
import type { StoreDb } from '../../prisma/clients';
import { Prisma } from '../../prisma/store/generated/client';

/**
 * The orchestrator's activity on the store's database: it keeps the gateway's copy of each purchase in step with the
 * workflow, so that listing purchases is a database read.
 */
export function createStoreActivities(db: StoreDb, metrics?: PurchaseMetrics): StoreActivities {
  return {
    async recordPurchase({ purchase, version }) {
      // Conditional on the stored version: a retried or late write of an older transition never replaces a newer
      // one, and writing the same version twice changes nothing the second time.
      const { count } = await db.purchase.updateMany({
        where: { id: purchase.id, version: { lt: version } },
        data: {
          version,
          status: purchase.status,
          totalCents: purchase.totalCents,
          discountCents: purchase.discountCents,
          supplier: purchase.supplier ?? Prisma.DbNull,
          delivery: purchase.delivery ?? Prisma.DbNull,
          failure: purchase.failure ?? Prisma.DbNull,
          history: purchase.history,
          updatedAt: new Date(purchase.updatedAt),
        },
      });
      if (count === 1) {
        // The write that moves the record to its final status counts it, once: the workflow has no move out of a
        // final status, and a retry of this write updates nothing.
        if (metrics?.isFinal(purchase)) metrics.finished(purchase);
        return;
      }
      const stored = await db.purchase.findUnique({ where: { id: purchase.id }, select: { version: true } });
      if (stored) return; // A newer (or the same) version is already there.
      // The gateway writes the record before it starts the workflow: a missing one is a bug, and retrying cannot help.
      throw ApplicationFailure.nonRetryable(`No purchase record ${purchase.id} to update`, 'PURCHASE_RECORD_MISSING');
    },
  };
}
