import type { MiddlewareHandler } from 'hono';
import { rateLimiter, type Store } from 'hono-rate-limiter';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { clientAddress } from '../client-address';
import type { AppEnv } from '../context';
import { errorResponse, ThrottledError } from '../errors';
import type { LimitCounters } from '../limits';
import type { AuthMiddleware } from './auth';

/** Probes must always get through, however busy a client is. */
const unlimitedPaths = new Set(['/health', '/ready']);
const windowMs = 60_000;

/**
 * Requests a minute per client (api/client-address.ts: the socket's peer, or behind TRUSTED_PROXIES the client they
 * forward for). `limitPerMinute` as a function is asked at each request: the live RATE_LIMIT_PER_MINUTE.
 */
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

/**
 * The same limit again per signed-in user, so that one account spread over many addresses is still bounded. It has to
 * run after authentication (see `countingUsers`); a request without a user passes. The answer's RateLimit headers
 * show whichever of the two budgets, the client's or the user's, has less left.
 */
export function userRateLimit(limitPerMinute: number | (() => number), counters: LimitCounters): MiddlewareHandler<AppEnv> {
  const limit = typeof limitPerMinute === 'function' ? limitPerMinute : () => limitPerMinute;
  const counter = counters.counter({ name: 'user-requests', points: limit(), durationSeconds: windowMs / 1000 });
  return async (c, next) => {
    const user = c.get('user');
    if (!user) return next();
    const counted = await counter.penalty(user.id, 1);
    const remaining = Math.max(0, limit() - counted.consumedPoints);
    const resetSeconds = Math.max(1, Math.ceil(counted.msBeforeNext / 1000));
    const byClient = c.get('rateLimit' as never) as { remaining?: number } | undefined;
    if (byClient?.remaining === undefined || remaining < byClient.remaining) {
      c.header('RateLimit-Remaining', String(remaining));
      c.header('RateLimit-Reset', String(resetSeconds));
    }
    if (counted.consumedPoints > limit()) {
      throw new ThrottledError(`More than ${limit()} requests a minute from this user; retry after ${resetSeconds}s`, resetSeconds);
    }
    await next();
  };
}

/** `auth` whose every check, once it has found the user, counts the request against that user (`userRateLimit`). */
export function countingUsers(auth: AuthMiddleware, perUser: MiddlewareHandler<AppEnv>): AuthMiddleware {
  const then =
    (check: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> =>
    (c, next) =>
      check(c, async () => {
        await perUser(c, next);
      });
  return { ...auth, requireUser: then(auth.requireUser), requireAdmin: then(auth.requireAdmin) };
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
