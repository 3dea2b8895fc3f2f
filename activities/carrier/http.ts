import { Hono } from 'hono';
import { createHttpMetrics } from '../../observability/http-metrics';
import { traceHttp } from '../../observability/http-tracing';
import { z } from 'zod';
import { CodedError } from '../../contracts/errors';
import { createLogger, type Logger } from '../../logging';
import type { CarrierDb } from '../../prisma/clients';
import { answerErrors, answerNotFound, validated } from '../http-errors';
import { estimatedDeliveryDate } from './booking';
import { bookedDays, getDelivery, listDeliveries } from './deliveries';

const Id = z.string().trim().min(1).max(200);
const DeliveriesQuery = z.object({ purchaseId: Id.optional() }).strict();

/** The carrier's own HTTP API: its deliveries. The gateway proxies its admin routes here. */
export function createCarrierApi(
  db: CarrierDb,
  logger: Logger = createLogger('carrier'),
  options: { dailyCapacity?: number } = {},
) {
  const dailyCapacity = options.dailyCapacity ?? 50;
  const app = new Hono();
  const metrics = createHttpMetrics();
  app.use('*', traceHttp);
  app.use('*', metrics.middleware);
  app.get('/metrics', metrics.handler);

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/deliveries', async (c) => {
    const { purchaseId } = validated(DeliveriesQuery, c.req.query(), 'query');
    return c.json({ items: await listDeliveries(db, { purchaseId }) });
  });

  // Deliveries booked per day from the earliest promised date on, against the daily capacity.
  app.get('/schedule', async (c) =>
    c.json({ items: await bookedDays(db, estimatedDeliveryDate(new Date()), dailyCapacity) }),
  );

  app.get('/deliveries/:id', async (c) => {
    const id = validated(Id, c.req.param('id'), 'delivery id');
    const delivery = await getDelivery(db, id);
    if (!delivery) throw new CodedError('NOT_FOUND', `No delivery ${id}`);
    return c.json({ delivery });
  });

  app.notFound(answerNotFound);
  app.onError(answerErrors(logger));
  return app;
}
