import { ThrottledError } from '../errors';

/**
 * Long polls (`GET /purchases/:id?wait=`) held at once, per user and in this gateway. Each one holds a Temporal
 * history long poll, which counts against the same frontend limits as the workers' task polls: past either cap the
 * wait is refused with a 429 before anything is asked.
 */
export interface WaitSlots {
  /** Takes a slot for `userId`, or throws a 429; the answer must call the release it returns, once. */
  take(userId: string): () => void;
  /** Waits held now, for /metrics and tests. */
  held(): number;
}

export function createWaitSlots(caps: () => { maxWaitsPerUser: number; maxWaits: number }): WaitSlots {
  const byUser = new Map<string, number>();
  let total = 0;
  return {
    take(userId) {
      const { maxWaitsPerUser, maxWaits } = caps();
      const mine = byUser.get(userId) ?? 0;
      if (mine >= maxWaitsPerUser) {
        throw new ThrottledError(`At most ${maxWaitsPerUser} waits at once per user; retry after one has answered`, 1);
      }
      if (total >= maxWaits) throw new ThrottledError('This gateway holds as many waits as it may; retry shortly', 1);
      byUser.set(userId, mine + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (byUser.get(userId) ?? 1) - 1;
        if (left > 0) byUser.set(userId, left);
        else byUser.delete(userId);
      };
    },
    held: () => total,
  };
}
