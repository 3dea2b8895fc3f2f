import { createRoute, z } from '@hono/zod-openapi';
import { createHttpMetrics } from '../../observability/http-metrics';
import { traceHttp } from '../../observability/http-tracing';
import { SetStockRequest, StockLevel, SupplierOrder } from '../../contracts/catalog';
import { CodedError } from '../../contracts/errors';
import { Sku } from '../../contracts/purchase';
import { createLogger, type Logger } from '../../logging';
import type { SupplierDb } from '../../prisma/clients';
import { answerErrors, answerNotFound } from '../http-errors';
import { createOwnerApi, jsonContent, ownerDocument, openRoute, ownerErrorResponses, type OwnerApiOptions } from '../openapi';
import { findSupplierOrder } from './orders';
import { getStock, listStock, setAvailable } from './stock';

const SkuParam = z.object({ sku: Sku });
const PurchaseParam = z.object({ purchaseId: z.string().trim().min(1).max(200) });
const Health = z.object({ status: z.literal('ok') });

export const supplierDocument = ownerDocument({
  title: 'Supplier API',
  description:
    'The supplier’s own HTTP API: its stock and its orders. Reservations are made by its Temporal activities (task ' +
    'queue `supplier`), not here. The gateway proxies its ADMIN routes to this API.',
  tags: [
    { name: 'inventory', description: 'Stock per SKU: available to reserve, and reserved by purchases in flight' },
    { name: 'orders', description: 'The supplier’s order for each purchase' },
    { name: 'health', description: 'Liveness probe' },
  ],
});

/** The supplier's own HTTP API: its stock and its orders. The gateway proxies its admin routes here. */
export function createSupplierApi(db: SupplierDb, logger: Logger = createLogger('supplier'), options: OwnerApiOptions = {}) {
  const app = createOwnerApi(options);
  const metrics = createHttpMetrics();
  app.use('*', traceHttp);
  app.use('*', metrics.middleware);
  app.get('/metrics', metrics.handler);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      tags: ['health'],
      summary: 'The process is up',
      description: 'Liveness: 200 while the process serves requests.',
      security: openRoute,
      responses: { 200: jsonContent(Health, 'Up') },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/inventory',
      operationId: 'listStock',
      tags: ['inventory'],
      summary: 'The stock of every SKU',
      description: 'Every SKU the supplier stocks, by SKU.',
      responses: { 200: jsonContent(z.object({ items: z.array(StockLevel) }), 'Every SKU’s stock'), ...ownerErrorResponses() },
    }),
    async (c) => c.json({ items: await listStock(db) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/inventory/{sku}',
      operationId: 'getStock',
      tags: ['inventory'],
      summary: 'The stock of one SKU',
      description: 'Units available to reserve and units reserved by purchases in flight.',
      request: { params: SkuParam },
      responses: { 200: jsonContent(StockLevel, 'The SKU’s stock'), ...ownerErrorResponses(400, 404) },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const stock = await getStock(db, sku);
      if (!stock) throw new CodedError('NOT_FOUND', `No stock for SKU ${sku}`);
      return c.json(stock, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/inventory/{sku}',
      operationId: 'setStock',
      tags: ['inventory'],
      summary: 'Set the available stock of one SKU',
      description: 'Sets the units available to reserve (stocking a new SKU); reserved units stay as they are.',
      request: { params: SkuParam, body: { required: true, content: { 'application/json': { schema: SetStockRequest } } } },
      responses: { 200: jsonContent(StockLevel, 'The new stock level'), ...ownerErrorResponses(400) },
    }),
    async (c) => c.json(await setAvailable(db, c.req.valid('param').sku, c.req.valid('json').available), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders/{purchaseId}',
      operationId: 'getSupplierOrder',
      tags: ['orders'],
      summary: 'The order for a purchase',
      description: 'Its items, status, supplier and expected ship date; RELEASED with no items is a tombstone.',
      request: { params: PurchaseParam },
      responses: { 200: jsonContent(z.object({ order: SupplierOrder }), 'The order'), ...ownerErrorResponses(400, 404) },
    }),
    async (c) => {
      const { purchaseId } = c.req.valid('param');
      const order = await findSupplierOrder(db, purchaseId);
      if (!order) throw new CodedError('NOT_FOUND', `No supplier order for purchase ${purchaseId}`);
      return c.json({ order }, 200);
    },
  );

  app.doc('/openapi.json', supplierDocument);
  app.notFound(answerNotFound);
  app.onError(answerErrors(logger));
  return app;
}
