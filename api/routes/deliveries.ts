import { createRoute, z } from '@hono/zod-openapi';
import { Delivery } from '../../contracts/catalog';
import type { AuthMiddleware } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonContent } from '../openapi';
import type { ServicesClient } from '../services-client';

// The id goes into the carrier's URL: no "/", and no leading "." that could make "." or ".." walk its paths.
const DeliveryParam = z.object({
  id: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"'),
});

/** The carrier's record of a delivery, behind the gateway's ADMIN check. */
export function deliveryRoutes(deps: { services: ServicesClient; auth: AuthMiddleware }) {
  const { services, auth } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/deliveries/{id}',
      tags: ['deliveries'],
      summary: 'The carrier’s record of a delivery (ADMIN)',
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
