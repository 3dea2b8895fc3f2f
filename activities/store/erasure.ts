import { erasedEmail, erasedPasswordHash, erasedText, erasureBatchSize, erasureContracts, type ErasureStoreActivities } from '../../contracts/erasure';
import type { Address, PurchaseFailure, PurchaseStatus } from '../../contracts/purchase';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { isFinal } from '../../domain/purchase-state';
import type { StoreDb } from '../../prisma/clients';
import { validatedActivities } from '../input-validation';

/** An address with nothing personal left: the country stays for the books. */
function erasedAddress(address: unknown): Address {
  const country = (address as Partial<Address> | null)?.country ?? 'ZZ';
  return { name: erasedText, street: erasedText, city: erasedText, postalCode: erasedText, country };
}

/** A page of at most erasureBatchSize rows (asked for one more, to know whether another page follows). */
function page<Row extends { id: string }>(rows: Row[]): { rows: Row[]; next?: string } {
  if (rows.length <= erasureBatchSize) return { rows };
  const kept = rows.slice(0, erasureBatchSize);
  return { rows: kept, next: kept[kept.length - 1]!.id };
}

/** The customer's records after `after`, in id order, one more than a page: `page` tells whether another follows. */
function customerRecords(customerId: string, after?: string) {
  return {
    where: { userId: customerId, ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: 'asc' as const },
    take: erasureBatchSize + 1,
  };
}

const isErased = (address: unknown) => (address as Partial<Address> | null)?.street === erasedText;

type HistoryEntry = { status: string; at: string; note?: string };

/**
 * A cancel's reason is the customer's own words (the failure's message and its history notes): it goes too. The
 * system's own messages (a refusal's) stay with the statuses and dates.
 */
function withoutCustomerWords(failure: unknown, history: unknown) {
  const cancel = failure as PurchaseFailure | null;
  if (cancel?.code !== 'CANCELLED') return {};
  const reason = cancel.message;
  return {
    failure: { ...cancel, message: erasedText },
    history: (history as HistoryEntry[]).map((entry) => (entry.note === reason ? { ...entry, note: erasedText } : entry)),
  };
}

/**
 * The store's part of an erasure (contracts/erasure.ts), run by the orchestrator: it finds the customer's purchases,
 * scrubs the address from their records and scrubs the account. The gateway owns the users table
 * (activities/store/activities.ts says who owns what); erasing is the one write to it that runs here, because it
 * must come after the customer's sagas have ended, which only the erasure workflow knows.
 */
export function createErasureStoreActivities(db: StoreDb): ErasureStoreActivities {
  return validatedActivities(erasureContracts.store, {
    async findCustomerPurchases({ customerId, after }) {
      const { rows: records, next } = page(
        await db.purchase.findMany({ ...customerRecords(customerId, after), select: { id: true, workflowId: true, status: true } }),
      );
      const purchases = records.map((record) => ({
        purchaseId: record.id,
        workflowId: record.workflowId,
        final: isFinal(record.status as PurchaseStatus),
      }));
      if (after === undefined) {
        // A slot is claimed before the workflow starts and freed when its record turns final: a slot without a record
        // is a purchase whose saga has not written its record yet. Slots are few (MAX_PURCHASES_IN_FLIGHT).
        const slots = await db.purchaseSlot.findMany({ where: { userId: customerId }, select: { purchaseId: true } });
        const recorded = await db.purchase.findMany({
          where: { id: { in: slots.map((slot) => slot.purchaseId) } },
          select: { id: true },
        });
        const known = new Set(recorded.map((record) => record.id));
        for (const { purchaseId } of slots) {
          if (!known.has(purchaseId)) purchases.push({ purchaseId, workflowId: purchaseWorkflowId(purchaseId), final: false });
        }
      }
      return { purchases, ...(next ? { next } : {}) };
    },

    async scrubPurchaseRecords({ customerId, after }) {
      const { rows: records, next } = page(
        await db.purchase.findMany({
          ...customerRecords(customerId, after),
          select: { id: true, address: true, failure: true, history: true, updatedAt: true },
        }),
      );
      let scrubbed = 0;
      for (const record of records) {
        if (isErased(record.address)) continue;
        await db.purchase.update({
          where: { id: record.id },
          // updatedAt is the saga's last transition, a date the books keep: Prisma's @updatedAt would stamp the scrub.
          data: {
            address: erasedAddress(record.address),
            ...withoutCustomerWords(record.failure, record.history),
            updatedAt: record.updatedAt,
          },
        });
        scrubbed += 1;
      }
      return { scrubbed, ...(next ? { next } : {}) };
    },

    async scrubAccount({ customerId }) {
      const email = erasedEmail(customerId);
      const [sessions, account] = await db.$transaction([
        db.session.deleteMany({ where: { userId: customerId } }),
        db.user.updateMany({
          where: { id: customerId, NOT: { email } },
          data: { email, name: null, passwordHash: erasedPasswordHash },
        }),
      ]);
      return { scrubbed: account.count === 1, sessionsEnded: sessions.count };
    },
  });
}
