import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PurchaseStatus } from '../../contracts/purchase';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { isFinal } from '../../domain/purchase-state';
import type { StoreDb } from '../../prisma/clients';

/** How far past a wait's end its long poll's gRPC deadline lies (Temporal answers a poll closer to its deadline at once). */
const longPollGraceMs = 2_000;
/** Only while Temporal cannot be asked: how often a wait re-reads the record instead. */
const waitPollMs = 200;

/**
 * Resolves when the saga ends (its workflow closes: one long poll on its history, no loop here), when `waitMs` is
 * up, or when the caller goes away. The saga writes its final record before it ends, so the record read after is
 * final. Should Temporal not answer, the wait falls back to re-reading the record until the time is up.
 */
export async function untilSagaEnds(
  temporal: Client,
  store: StoreDb,
  purchaseId: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<'ended' | 'not-found' | 'waited'> {
  const deadline = Date.now() + waitMs;
  const stop = signal ? AbortSignal.any([signal, AbortSignal.timeout(waitMs)]) : AbortSignal.timeout(waitMs);
  const stopped = new Promise<'waited'>((resolve) => stop.addEventListener('abort', () => resolve('waited'), { once: true }));
  // The abort ends the long poll when the wait is up. Its gRPC deadline lies beyond that, by more than the server
  // keeps back for itself: a poll due to end sooner is answered at once, empty, and the client would ask again and
  // again. The deadline still bounds the client's retries (which back off without looking at the signal) when
  // Temporal cannot be reached.
  const ended = temporal
    .withDeadline(deadline + longPollGraceMs, () =>
      temporal.withAbortSignal(stop, () => temporal.workflow.getHandle(purchaseWorkflowId(purchaseId)).result()),
    )
    .then(
      () => 'ended' as const,
      // Ended badly (terminated, timed out), or Temporal could not be asked: the record says the rest.
      (error) => (error instanceof WorkflowNotFoundError ? ('not-found' as const) : ('unknown' as const)),
    );
  const outcome = await Promise.race([ended, stopped]);
  if (outcome !== 'unknown') return outcome;
  for (;;) {
    if (stop.aborted || Date.now() >= deadline) return 'waited';
    const row = await store.purchase.findUnique({ where: { id: purchaseId }, select: { status: true } });
    if (!row || isFinal(row.status as PurchaseStatus)) return 'waited';
    await new Promise((resolve) => setTimeout(resolve, Math.min(waitPollMs, Math.max(0, deadline - Date.now()))));
  }
}
