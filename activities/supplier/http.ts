import { Hono } from 'hono';
import { createHttpMetrics } from '../../observability/http-metrics';
import { traceHttp } from '../../observability/http-tracing';
import { z } from 'zod';
import { SetStockRequest } from '../../contracts/catalog';
import { CodedError } from '../../contracts/errors';
import { Sku } from '../../contracts/purchase';
import { createLogger, type Logger } from '../../logging';
import type { SupplierDb } from '../../prisma/clients';
import { answerErrors, answerNotFound, validated, validatedJson } from '../http-errors';
import { findSupplierOrder } from './orders';
import { getStock, listStock, setAvailable } from './stock';

const PurchaseIdParam = z.string().trim().min(1).max(200);

/** The supplier's own HTTP API: its stock and its orders. The gateway proxies its admin routes here. */
export function createSupplierApi(db: SupplierDb, logger: Logger = createLogger('supplier')) {
  const app = new Hono();
  const metrics = createHttpMetrics();
  app.use('*', traceHttp);
  app.use('*', metrics.middleware);
  app.get('/metrics', metrics.handler);

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/inventory', async (c) => c.json({ items: await listStock(db) }));

  app.get('/inventory/:sku', async (c) => {
    const sku = validated(Sku, c.req.param('sku'), 'SKU');
    const stock = await getStock(db, sku);
    if (!stock) throw new CodedError('NOT_FOUND', `No stock for SKU ${sku}`);
    return c.json(stock);
  });

  app.put('/inventory/:sku', async (c) => {
    const sku = validated(Sku, c.req.param('sku'), 'SKU');
    const { available } = await validatedJson(c, SetStockRequest);
    return c.json(await setAvailable(db, sku, available));
  });

  app.get('/orders/:purchaseId', async (c) => {
    const purchaseId = validated(PurchaseIdParam, c.req.param('purchaseId'), 'purchase id');
    const order = await findSupplierOrder(db, purchaseId);
    if (!order) throw new CodedError('NOT_FOUND', `No supplier order for purchase ${purchaseId}`);
    return c.json({ order });
  });

  app.notFound(answerNotFound);
  app.onError(answerErrors(logger));
  return app;
}
