import { Context } from '@temporalio/activity';
import { runAbortable } from '../prisma/transactions';

/**
 * Runs an activity's attempt with a heartbeat every `everyMs`, so that Temporal notices a dead worker within the
 * heartbeat timeout, and the attempt hears through its heartbeats when it was cancelled or timed out: its
 * cancellation signal then fires and its transaction rolls back rather than commit beside the retry that replaced it.
 * Outside an activity (a direct call in a test) the work simply runs.
 */
export async function withHeartbeat<R>(everyMs: number, work: () => Promise<R>): Promise<R> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  // A local activity has no heartbeats (Core refuses them): it runs inside its workflow task, whose own timeout ends it.
  // No heartbeat at the start: the heartbeat timeout runs from the attempt's start anyway, and each heartbeat is a write
  // of the workflow's state on the server, which a short attempt (almost all of them) need not pay for.
  const beat = context.info.isLocal ? undefined : setInterval(() => context.heartbeat(), everyMs);
  try {
    return await runAbortable(context.cancellationSignal, work);
  } finally {
    clearInterval(beat);
  }
}
