import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { CodedError } from '../../contracts/errors';
import type { AppEnv } from '../context';
import { errorResponse } from '../errors';

/** Probes must always get through, however busy a client is. */
const unlimitedPaths = new Set(['/health', '/ready']);
const windowMs = 60_000;

/**
 * The client is the socket's peer address. X-Forwarded-For is not trusted: any client could set it to dodge the
 * limit. Requests that come without a socket (in-process `app.request()`) share one bucket.
 */
function clientKey(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process';
  }
}

export function rateLimit(limitPerMinute: number): MiddlewareHandler<AppEnv> {
  return rateLimiter<AppEnv>({
    windowMs,
    limit: limitPerMinute,
    standardHeaders: 'draft-6',
    keyGenerator: clientKey,
    skip: (c) => unlimitedPaths.has(c.req.path),
    handler: (c) => {
      const resetTime = c.get('rateLimit' as never) as { resetTime?: Date } | undefined;
      const seconds = resetTime?.resetTime
        ? Math.ceil((resetTime.resetTime.getTime() - Date.now()) / 1000)
        : Math.ceil(windowMs / 1000);
      c.header('Retry-After', String(Math.max(1, seconds)));
      return errorResponse(
        c,
        new CodedError('RATE_LIMITED', `More than ${limitPerMinute} requests a minute; retry after ${Math.max(1, seconds)}s`),
      );
    },
  });
}
