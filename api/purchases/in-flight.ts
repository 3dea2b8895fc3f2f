import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { purchaseWorkflowId } from '../../contracts/temporal';
import type { PurchaseStatus } from '../../contracts/purchase';
import { isFinal } from '../../domain/purchase-state';
import type { StoreDb } from '../../prisma/clients';
import { isUniqueViolation } from '../../prisma/errors';
import { ThrottledError } from '../errors';

/**
 * Purchases in flight per user, bounded by MAX_PURCHASES_IN_FLIGHT across every gateway: a new purchase claims one of
 * its user's numbered slots in the store's database before its saga starts, and its saga frees it when it records a
 * final status (activities/store/activities.ts). The key (user, slot) is what makes the bound hold between gateways:
 * two claims of one slot cannot both be written, whichever gateway makes them.
 */
export interface InFlightSlots {
  /** Claims a slot for the purchase, or throws 429 TOO_MANY_PURCHASES_IN_FLIGHT; the same purchase claims once. */
  claim(userId: string, purchaseId: string): Promise<void>;
  /** Frees the purchase's slot: its saga did not start. */
  release(purchaseId: string): Promise<void>;
}

/** A slot whose saga never recorded anything this long after its claim is asked about in Temporal when slots run out. */
const unrecordedAfterMs = 60_000;
/** Claims of free slots that lost a race to another claim are tried again this many times. */
const claimAttempts = 8;

export function createInFlightSlots(deps: { store: StoreDb; temporal: Client; max: () => number }): InFlightSlots {
  const { store, temporal, max } = deps;

  const tooMany = (limit: number) =>
    new ThrottledError(
      `At most ${limit} purchases in flight per user; retry once one of them has finished`,
      5,
      'TOO_MANY_PURCHASES_IN_FLIGHT',
    );

  /**
   * Slots whose purchase is over but still held: its final record was written before the slot existed, or a gateway
   * stopped between a claim and its saga's start. Frees them and says whether any was.
   */
  const freeFinished = async (held: { purchaseId: string; createdAt: Date }[]): Promise<boolean> => {
    const records = await store.purchase.findMany({
      where: { id: { in: held.map((slot) => slot.purchaseId) } },
      select: { id: true, status: true },
    });
    const statusOf = new Map(records.map((record) => [record.id, record.status as PurchaseStatus]));
    const finished: string[] = [];
    for (const slot of held) {
      const status = statusOf.get(slot.purchaseId);
      if (status !== undefined) {
        if (isFinal(status)) finished.push(slot.purchaseId);
        continue;
      }
      if (Date.now() - slot.createdAt.getTime() < unrecordedAfterMs) continue;
      try {
        const { status: execution } = await temporal.workflow.getHandle(purchaseWorkflowId(slot.purchaseId)).describe();
        if (execution.name !== 'RUNNING') finished.push(slot.purchaseId);
      } catch (error) {
        // Never started: its gateway stopped before the start. Anything else (Temporal away): keep the slot.
        if (error instanceof WorkflowNotFoundError) finished.push(slot.purchaseId);
      }
    }
    if (finished.length === 0) return false;
    await store.purchaseSlot.deleteMany({ where: { purchaseId: { in: finished } } });
    return true;
  };

  return {
    async claim(userId, purchaseId) {
      const limit = max();
      let freedFinished = false;
      for (let attempt = 1; attempt <= claimAttempts; attempt++) {
        const held = await store.purchaseSlot.findMany({ where: { userId }, select: { slot: true, purchaseId: true, createdAt: true } });
        if (held.some((slot) => slot.purchaseId === purchaseId)) return;
        const slot = held.length >= limit ? undefined : randomFreeSlot(limit, new Set(held.map((row) => row.slot)));
        if (slot === undefined) {
          if (!freedFinished) {
            freedFinished = true;
            if (await freeFinished(held)) continue;
          }
          throw tooMany(limit);
        }
        try {
          await store.purchaseSlot.create({ data: { userId, slot, purchaseId } });
          return;
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
      }
      throw tooMany(limit);
    },
    async release(purchaseId) {
      await store.purchaseSlot.deleteMany({ where: { purchaseId } });
    },
  };
}

/**
 * A random slot below `limit` that `taken` does not hold, or undefined when there is none: concurrent claims of one
 * user spread over the free slots instead of all racing for one. While most slots are free it draws at random (about
 * two draws at worst), so a claim costs the same whatever MAX_PURCHASES_IN_FLIGHT is; only a user holding more than
 * half of their slots has the free ones listed.
 */
export function randomFreeSlot(limit: number, taken: Set<number>, random: () => number = Math.random): number | undefined {
  let takenBelow = 0;
  for (const slot of taken) if (slot < limit) takenBelow += 1;
  if (takenBelow >= limit) return undefined;
  if (takenBelow < limit / 2) {
    for (;;) {
      const slot = Math.floor(random() * limit);
      if (!taken.has(slot)) return slot;
    }
  }
  const free: number[] = [];
  for (let slot = 0; slot < limit; slot += 1) if (!taken.has(slot)) free.push(slot);
  return free[Math.floor(random() * free.length)];
}
