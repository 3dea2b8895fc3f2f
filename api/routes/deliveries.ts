import { createRoute, z } from '@hono/zod-openapi';
import { Delivery } from '../../contracts/catalog';
import type { AuthMiddleware } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonContent, ownerResourceId } from '../openapi';
import type { ServicesClient } from '../services-client';

const DeliveryParam = z.object({ id: ownerResourceId });

/** The carrier's record of a delivery, behind the gateway's ADMIN check. */
export function deliveryRoutes(deps: { services: ServicesClient; auth: AuthMiddleware }) {
  const { services, auth } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/deliveries/{id}',
      operationId: 'getDelivery',
      tags: ['deliveries'],
      summary: 'The carrier’s record of a delivery (ADMIN)',
      description: 'The delivery as the carrier keeps it, with its status history, oldest first.',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: DeliveryParam },
      responses: {
        200: jsonContent(z.object({ delivery: Delivery }), 'The delivery'),
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => c.json({ delivery: await services.getDelivery(c.req.valid('param').id) }, 200),
  );

  return router;
}
