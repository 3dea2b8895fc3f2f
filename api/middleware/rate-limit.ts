import type { MiddlewareHandler } from 'hono';
import { rateLimiter, type Store } from 'hono-rate-limiter';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { clientAddress } from '../client-address';
import type { AppEnv } from '../context';
import { errorResponse, ThrottledError } from '../errors';
import type { LimitCounters } from '../limits';

/** Probes must always get through, however busy a client is. */
const unlimitedPaths = new Set(['/health', '/ready']);
const windowMs = 60_000;

/** `limitPerMinute` as a function is asked at each request: the live RATE_LIMIT_PER_MINUTE. */
export function rateLimit(limitPerMinute: number | (() => number), counters: LimitCounters): MiddlewareHandler<AppEnv> {
  const limit = typeof limitPerMinute === 'function' ? limitPerMinute : () => limitPerMinute;
  return rateLimiter<AppEnv>({
    windowMs,
    limit: () => limit(),
    standardHeaders: 'draft-6',
    keyGenerator: clientAddress,
    skip: (c) => unlimitedPaths.has(c.req.path),
    // The counter only counts (penalty/get); the limit is compared by hono-rate-limiter, so it may change at any time.
    store: counterStore(counters.counter({ name: 'requests', points: limit(), durationSeconds: windowMs / 1000 }), counters.shared),
    handler: (c) => {
      const resetTime = c.get('rateLimit' as never) as { resetTime?: Date } | undefined;
      const seconds = resetTime?.resetTime
        ? Math.ceil((resetTime.resetTime.getTime() - Date.now()) / 1000)
        : Math.ceil(windowMs / 1000);
      const retryAfter = Math.max(1, seconds);
      return errorResponse(
        c,
        new ThrottledError(`More than ${limit()} requests a minute; retry after ${retryAfter}s`, retryAfter),
      );
    },
  });
}

/** hono-rate-limiter's store over a rate-limiter-flexible counter: one place (and one library) counts every limit. */
function counterStore(counter: RateLimiterAbstract, shared: boolean): Store<AppEnv> {
  const info = (result: RateLimiterRes | null) =>
    result ? { totalHits: result.consumedPoints, resetTime: new Date(Date.now() + result.msBeforeNext) } : undefined;
  return {
    localKeys: !shared,
    prefix: counter.keyPrefix,
    get: async (key) => info(await counter.get(key)),
    increment: async (key) => info(await counter.penalty(key, 1))!,
    decrement: async (key) => void (await counter.reward(key, 1)),
    resetKey: async (key) => void (await counter.delete(key)),
  };
}
