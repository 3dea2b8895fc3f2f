import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The client is the socket's peer address. X-Forwarded-For is not trusted: any client could set it to dodge a
 * limit. Requests that come without a socket (in-process `app.request()`) share one key.
 */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process';
  }
}
