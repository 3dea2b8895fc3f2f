import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';

/**
 * An answer given before the request's body was read in full (a 413 on its Content-Length, a 401 or 429 before the
 * handler) leaves the unread bytes on the socket: a client that reuses the connection would have its next request
 * dropped. Such an answer says `Connection: close`, so Node ends the connection once the answer is sent.
 * Outermost middleware, so it sees every answer, refusals and errors included.
 */
export const closeOnUnreadBody: MiddlewareHandler = async (c, next) => {
  await next();
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.complete) return;
  // A proxied answer's headers are immutable: answer a copy.
  const headers = new Headers(c.res.headers);
  headers.set('Connection', 'close');
  c.res = new Response(c.res.body, { status: c.res.status, statusText: c.res.statusText, headers });
};
