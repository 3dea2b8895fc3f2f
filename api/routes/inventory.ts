import { createRoute, z } from '@hono/zod-openapi';
import { SetStockRequest, StockLevel } from '../../contracts/catalog';
import { Sku } from '../../contracts/purchase';
import type { AuthMiddleware } from '../middleware/auth';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent } from '../openapi';
import type { ServicesClient } from '../services-client';

const SkuParam = z.object({ sku: Sku });

/** The supplier's stock, behind the gateway's ADMIN check. */
export function inventoryRoutes(deps: { services: ServicesClient; auth: AuthMiddleware }) {
  const { services, auth } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/inventory/{sku}',
      operationId: 'getStock',
      tags: ['inventory'],
      summary: 'The supplier’s stock of one SKU (ADMIN)',
      description: 'Units available to reserve and units held by purchases in flight, as the supplier counts them.',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: SkuParam },
      responses: { 200: jsonContent(StockLevel, 'Available and reserved units'), ...errorResponses(400, 401, 403, 404, 503) },
    }),
    async (c) => c.json(await services.getStock(c.req.valid('param').sku), 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/inventory/{sku}',
      operationId: 'setStock',
      tags: ['inventory'],
      summary: 'Set the supplier’s available stock of one SKU (ADMIN)',
      description: 'Sets the units available to reserve (an absolute level, so a retry is harmless); reserved units stay.',
      security: bearerSecurity,
      middleware: [auth.requireAdmin] as const,
      request: { params: SkuParam, body: jsonBody(SetStockRequest) },
      responses: { 200: jsonContent(StockLevel, 'The new stock level'), ...errorResponses(400, 401, 403, 404, 413, 503) },
    }),
    async (c) => c.json(await services.setStock(c.req.valid('param').sku, c.req.valid('json').available), 200),
  );

  return router;
}
