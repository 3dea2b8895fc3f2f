import { ApplicationFailure } from '@temporalio/common';

/**
 * Calls an activity directly the way Temporal runs it: an attempt that fails with anything but a non-retryable
 * ApplicationFailure (an SQLite lock met at once under the short busy timeout, say) is tried again with backoff, up to
 * 100 times.
 */
export async function retryAsTemporal<T>(attempt: () => Promise<T>, tries = 1): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if ((error instanceof ApplicationFailure && error.nonRetryable) || tries >= 100) throw error;
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * 2 ** tries)));
    return retryAsTemporal(attempt, tries + 1);
  }
}
