import { createRoute, z } from '@hono/zod-openapi';
import { SupplierOrder } from '../../contracts/catalog';
import type { AuthMiddleware } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonContent, ownerResourceId } from '../openapi';
import type { ServicesClient } from '../services-client';

const PurchaseParam = z.object({ purchaseId: ownerResourceId });

/** The supplier's order for a purchase (items, supplier, expected ship date), behind the gateway's ADMIN check. */
export function orderRoutes(deps: { services: ServicesClient; auth: AuthMiddleware }) {
  const { services, auth } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/orders/{purchaseId}',
      operationId: 'getSupplierOrder',
      tags: ['orders'],
      summary: 'The supplier’s order for a purchase (ADMIN)',
      description: 'The supplier’s order for a purchase: its items, status, supplier and expected ship date.',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: PurchaseParam },
      responses: {
        200: jsonContent(z.object({ order: SupplierOrder }), 'The supplier order'),
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => c.json({ order: await services.getSupplierOrder(c.req.valid('param').purchaseId) }, 200),
  );

  return router;
}
