import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { purchaseWorkflowId } from '../../contracts/temporal';

/** How far past a wait's end its long poll's gRPC deadline lies (Temporal answers a poll closer to its deadline at once). */
const longPollGraceMs = 2_000;

/**
 * Resolves when the saga ends (its workflow closes: one long poll on its history, no loop here), when `waitMs` is
 * up, or when the caller goes away. The saga writes its final record before it ends, so the record read after is
 * final. Should Temporal not answer, the wait lasts its whole time and the caller reads the record once at its end:
 * a wait never polls the database.
 */
export async function untilSagaEnds(
  temporal: Client,
  purchaseId: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<'ended' | 'not-found' | 'waited'> {
  const deadline = Date.now() + waitMs;
  // One controller of its own, aborted when the wait ends whichever way: it cancels the long poll still open and
  // lets go of every gRPC call that listened to it. (`AbortSignal.any` with `AbortSignal.timeout` kept a signal that
  // was never aborted, with each call's listener and so each call, for the life of the process.)
  const stop = new AbortController();
  const stopped = new Promise<'waited'>((resolve) => stop.signal.addEventListener('abort', () => resolve('waited'), { once: true }));
  const timer = setTimeout(() => stop.abort(), waitMs);
  const callerGone = () => stop.abort();
  signal?.addEventListener('abort', callerGone, { once: true });
  if (signal?.aborted) stop.abort();
  try {
    // The abort ends the long poll when the wait is up. Its gRPC deadline lies beyond that, by more than the server
    // keeps back for itself: a poll due to end sooner is answered at once, empty, and the client would ask again and
    // again. The deadline still bounds the client's retries (which back off without looking at the signal) when
    // Temporal cannot be reached.
    const ended = temporal
      .withDeadline(deadline + longPollGraceMs, () =>
        temporal.withAbortSignal(stop.signal, () => temporal.workflow.getHandle(purchaseWorkflowId(purchaseId)).result()),
      )
      .then(
        () => 'ended' as const,
        outcomeOfFailure,
      );
    const outcome = await Promise.race([ended, stopped]);
    return outcome === 'unknown' ? await stopped : outcome;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', callerGone);
    stop.abort();
  }
}

/** A long poll that failed: no such workflow, one that ended badly (terminated, timed out), or Temporal not answering. */
function outcomeOfFailure(error: unknown): 'not-found' | 'ended' | 'unknown' {
  if (error instanceof WorkflowNotFoundError) return 'not-found';
  if (error instanceof WorkflowFailedError) return 'ended';
  return 'unknown';
}
