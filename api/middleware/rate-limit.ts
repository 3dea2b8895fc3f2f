import type { MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { clientAddress } from '../client-address';
import type { AppEnv } from '../context';
import { errorResponse, ThrottledError } from '../errors';

/** Probes must always get through, however busy a client is. */
const unlimitedPaths = new Set(['/health', '/ready']);
const windowMs = 60_000;

export function rateLimit(limitPerMinute: number): MiddlewareHandler<AppEnv> {
  return rateLimiter<AppEnv>({
    windowMs,
    limit: limitPerMinute,
    standardHeaders: 'draft-6',
    keyGenerator: clientAddress,
    skip: (c) => unlimitedPaths.has(c.req.path),
    handler: (c) => {
      const resetTime = c.get('rateLimit' as never) as { resetTime?: Date } | undefined;
      const seconds = resetTime?.resetTime
        ? Math.ceil((resetTime.resetTime.getTime() - Date.now()) / 1000)
        : Math.ceil(windowMs / 1000);
      const retryAfter = Math.max(1, seconds);
      return errorResponse(
        c,
        new ThrottledError(`More than ${limitPerMinute} requests a minute; retry after ${retryAfter}s`, retryAfter),
      );
    },
  });
}
