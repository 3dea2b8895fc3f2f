import { createRoute, z } from '@hono/zod-openapi';
import { parseDuration } from '../../config/duration';
import { CancelRequest, Purchase, PurchaseRequest } from '../../contracts/purchase';
import { PurchaseListQuery, PurchasePage } from '../../contracts/purchase-list';
import { currentUser, type AuthMiddleware } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent } from '../openapi';
import type { PurchaseService } from '../purchases/service';
import type { WaitSlots } from '../purchases/wait-slots';

const PurchaseAnswer = z.object({ purchase: Purchase });
const PurchaseParam = z.object({ id: z.string().uuid() });
const maxWaitMs = 30_000;
/** `?wait=10s`: answer once the purchase is final, or with its current state when the time is up. */
const WaitQuery = z.object({
  wait: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined) return 0;
      const waitMs = parseDuration(value);
      if (waitMs === undefined || waitMs < 0 || waitMs > maxWaitMs) {
        context.addIssue({ code: 'custom', message: 'must be a duration from "0s" to "30s", such as "10s" or "2500ms"' });
        return z.NEVER;
      }
      return waitMs;
    })
    .openapi({ description: 'Wait up to this long (at most 30s) for a final status, e.g. "10s"', example: '10s' }),
});
const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'The same key from the same user returns the same purchase and starts no second saga' }),
});

export function purchaseRoutes(deps: { purchases: PurchaseService; auth: AuthMiddleware; waitSlots: WaitSlots }) {
  const { purchases, auth, waitSlots } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/purchases',
      operationId: 'createPurchase',
      tags: ['purchases'],
      summary: 'Make a purchase: starts its saga',
      description:
        'Prices the items from the catalog, starts the purchase’s saga and answers once Temporal holds it (status ' +
        'RECEIVED): GET /purchases/{id} knows it from then on, and the list shows it once its saga has recorded it, ' +
        'normally within milliseconds. The same Idempotency-Key from the same user answers the same purchase; with a ' +
        'different body it is 422 IDEMPOTENCY_KEY_MISMATCH. A 503 or a lost answer is safe to retry with the same key.',
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(PurchaseRequest) },
      responses: {
        202: jsonContent(PurchaseAnswer, 'The purchase, accepted; follow it with GET /purchases/{id}'),
        ...errorResponses(400, 401, 413, 422, 503),
      },
    }),
    async (c) => {
      const purchase = await purchases.create(
        currentUser(c),
        c.req.valid('json'),
        c.req.valid('header')['idempotency-key'],
      );
      c.set('purchase', { purchaseId: purchase.id, workflowId: purchase.workflowId });
      return c.json({ purchase }, 202);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/purchases',
      operationId: 'listPurchases',
      tags: ['purchases'],
      summary: 'The caller’s purchases, newest first, a page at a time (ADMIN: everyone’s)',
      description:
        'Purchases as their sagas last recorded them, optionally of one status, newest first (by creation, then id). ' +
        'A page holds at most `limit` (default 50, at most 200); while more follow, the answer carries `nextCursor`, ' +
        'which as `cursor` asks for the next page. A walk through the pages meets every purchase recorded before it ' +
        'began exactly once: purchases made meanwhile are newer than its first page. A `cursor` the gateway did not ' +
        'give is a 400 naming it.',
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      request: { query: PurchaseListQuery },
      responses: {
        200: jsonContent(PurchasePage, 'One page of purchases, newest first'),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => c.json(await purchases.list(currentUser(c), c.req.valid('query')), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/purchases/{id}',
      operationId: 'getPurchase',
      tags: ['purchases'],
      summary: 'One purchase (its owner or ADMIN)',
      description:
        'The purchase as its saga last recorded it; anyone else’s purchase is a 404 like a missing one. With `wait` the ' +
        'answer comes as soon as the purchase is final, or with its current state when the time is up. A user holds ' +
        'at most MAX_WAITS_PER_USER waits at once (default 10), a gateway MAX_WAITS (default 1000): past either, 429.',
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      request: { params: PurchaseParam, query: WaitQuery },
      responses: { 200: jsonContent(PurchaseAnswer, 'The purchase'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const user = currentUser(c);
      const waitMs = c.req.valid('query').wait;
      const release = waitMs > 0 ? waitSlots.take(user.id) : undefined;
      try {
        return c.json({ purchase: await purchases.get(user, c.req.valid('param').id, { waitMs, signal: c.req.raw.signal }) }, 200);
      } finally {
        release?.();
      }
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/purchases/{id}/cancel',
      operationId: 'cancelPurchase',
      tags: ['purchases'],
      summary: 'Cancel a purchase until it is confirmed',
      description:
        'Asks the saga to cancel; it compensates what it did (the delivery, then the reservation). Once confirmation ' +
        'has started the answer is 409 NOT_CANCELLABLE.',
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      request: {
        params: PurchaseParam,
        // Optional: a cancel without a body is a cancel without a reason.
        body: { required: false, content: { 'application/json': { schema: CancelRequest } } },
      },
      responses: {
        202: jsonContent(PurchaseAnswer, 'Cancel accepted; the purchase is compensating or cancelled'),
        ...errorResponses(400, 401, 404, 409, 413, 503),
      },
    }),
    async (c) => {
      const { reason } = c.req.valid('json') ?? {};
      const purchase = await purchases.cancel(currentUser(c), c.req.valid('param').id, reason);
      return c.json({ purchase }, 202);
    },
  );

  return router;
}
