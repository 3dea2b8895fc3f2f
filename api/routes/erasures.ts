import { createRoute, z } from '@hono/zod-openapi';
import { deleteCookie } from 'hono/cookie';
import { Erasure } from '../../contracts/erasure';
import type { ErasureService } from '../auth/erasure';
import { currentUser, type AuthMiddleware } from '../middleware/auth';
import { codecSessionCookie } from './codec';
import { bearerSecurity, createRouter, errorResponses, jsonContent } from '../openapi';

const ErasureAnswer = z.object({ erasure: Erasure });
const id = z.string().min(1).max(200);

const erasureDescription =
  'Starts the erasure workflow `erasure-<userId>`: the customer’s purchases in flight are cancelled and compensate, ' +
  'then the carrier’s deliveries and the store’s purchase records lose their address, the account its email, name ' +
  'and password, and the customer’s closed purchase workflows are deleted from Temporal. Amounts, statuses, SKUs ' +
  'and dates stay for the books. Every session of the customer ends at once. Idempotent: a request while it runs ' +
  'joins it, a later one finds nothing left to change. Follow it with GET /erasures/{id} or in the Temporal Web UI.';

/** Erasing a customer (CONTRACT.md, "Personal data"): by themselves or by an ADMIN. */
export function erasureRoutes(deps: { erasures: ErasureService; auth: AuthMiddleware }) {
  const { erasures, auth } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/auth/me',
      operationId: 'eraseCurrentUser',
      tags: ['auth'],
      summary: 'Erase the signed-in user and their personal data',
      description: erasureDescription,
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      responses: { 202: jsonContent(ErasureAnswer, 'The erasure, started'), ...errorResponses(401, 503) },
    }),
    async (c) => {
      const erasure = await erasures.start(currentUser(c).id);
      deleteCookie(c, codecSessionCookie, { path: '/codec' });
      return c.json({ erasure }, 202);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/users/{id}',
      operationId: 'eraseUser',
      tags: ['auth'],
      summary: 'Erase a user and their personal data (ADMIN)',
      description: erasureDescription,
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: z.object({ id }) },
      responses: { 202: jsonContent(ErasureAnswer, 'The erasure, started'), ...errorResponses(400, 401, 403, 404, 503) },
    }),
    async (c) => c.json({ erasure: await erasures.start(c.req.valid('param').id) }, 202),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/erasures/{id}',
      operationId: 'getErasure',
      tags: ['auth'],
      summary: 'An erasure and, once it completed, what it erased where (ADMIN)',
      description: 'RUNNING, COMPLETED with its result, or FAILED (see the workflow in the Web UI).',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: z.object({ id }) },
      responses: { 200: jsonContent(ErasureAnswer, 'The erasure'), ...errorResponses(400, 401, 403, 404, 503) },
    }),
    async (c) => c.json({ erasure: await erasures.get(c.req.valid('param').id) }, 200),
  );

  return router;
}
