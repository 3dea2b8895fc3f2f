import { ApplicationFailure } from '@temporalio/common';
import { activityContracts, type StoreActivities } from '../../contracts/activities';
import { validatedActivities } from '../input-validation';
import type { PurchaseMetrics } from '../../observability/purchase-metrics';
import type { StoreDb } from '../../prisma/clients';
import { Prisma } from '../../prisma/store/generated/client';
import { isUniqueViolation } from '../../prisma/errors';
import { isFinal } from '../../domain/purchase-state';

/**
 * Who owns what in the store's database (every other comment points here): the gateway owns its schema, migrates it
 * at its start and writes its users, sessions and catalog. The purchase records have one writer, this activity, which
 * the orchestrator runs for the saga: the saga creates a purchase's record before its first step and writes each
 * transition, so that listing purchases is a database read. The gateway only reads them: it writes none, so a start
 * that fails leaves nothing behind, and no step of a saga runs before its record exists. Two more rows the orchestrator
 * touches for the gateway: this activity frees a purchase's in-flight slot (which the gateway claimed) when it records
 * a final status, and the session sweep (session-sweep.ts) deletes the sessions the gateway no longer accepts.
 */
export function createStoreActivities(db: StoreDb, metrics?: PurchaseMetrics): StoreActivities {
  return validatedActivities(activityContracts.store, {
    async recordPurchase({ purchase, version, idempotencyKey }) {
      if (version === 0) {
        // Created once; a retried attempt, or a second saga run of the same id, finds it there and changes nothing.
        try {
          await db.purchase.upsert({
            where: { id: purchase.id },
            update: {},
            create: {
              id: purchase.id,
              workflowId: purchase.workflowId,
              userId: purchase.customerId,
              idempotencyKey: idempotencyKey ?? null,
              status: purchase.status,
              items: purchase.items,
              address: purchase.address,
              voucherCode: purchase.voucher?.code ?? null,
              totalCents: purchase.totalCents,
              discountCents: purchase.discountCents,
              history: purchase.history,
              version: 0,
              createdAt: new Date(purchase.createdAt),
              updatedAt: new Date(purchase.updatedAt),
            },
          });
        } catch (error) {
          // Two attempts raced on the insert: the other one made it.
          if (!isUniqueViolation(error)) throw error;
          const stored = await db.purchase.findUnique({ where: { id: purchase.id }, select: { id: true } });
          if (!stored) {
            throw ApplicationFailure.nonRetryable(
              `Purchase ${purchase.id}: its Idempotency-Key is already held by another purchase`,
              'PURCHASE_RECORD_CONFLICT',
            );
          }
        }
        return;
      }
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
      // A final status frees the purchase's in-flight slot (api/purchases/in-flight.ts); a retry finds none to free.
      if (isFinal(purchase.status)) await db.purchaseSlot.deleteMany({ where: { purchaseId: purchase.id } });
      if (count === 1) {
        // The write that moves the record to its final status counts it, once: the workflow has no move out of a
        // final status, and a retry of this write updates nothing.
        if (metrics?.isFinal(purchase)) metrics.finished(purchase);
        return;
      }
      const stored = await db.purchase.findUnique({ where: { id: purchase.id }, select: { version: true } });
      if (stored) return; // A newer (or the same) version is already there.
      // The saga writes version 0 before anything else: a missing record is a bug (or a deleted row), and retrying cannot help.
      throw ApplicationFailure.nonRetryable(`No purchase record ${purchase.id} to update`, 'PURCHASE_RECORD_MISSING');
    },
  });
}
