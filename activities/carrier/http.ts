import { createRoute, z } from '@hono/zod-openapi';
import { createHttpMetrics } from '../../observability/http-metrics';
import { traceHttp } from '../../observability/http-tracing';
import { Delivery } from '../../contracts/catalog';
import { CodedError } from '../../contracts/errors';
import { createLogger, type Logger } from '../../logging';
import type { CarrierDb } from '../../prisma/clients';
import { answerErrors, answerNotFound } from '../http-errors';
import { createOwnerApi, jsonContent, ownerDocument, openRoute, ownerErrorResponses, type OwnerApiOptions } from '../openapi';
import { estimatedDeliveryDate } from './booking';
import { bookedDays, getDelivery, listDeliveries } from './deliveries';

const Id = z.string().trim().min(1).max(200);
const DeliveriesQuery = z.object({ purchaseId: Id.optional() }).strict();
const Health = z.object({ status: z.literal('ok') });
const BookedDay = z.object({ date: z.string(), booked: z.number().int(), capacity: z.number().int() });

export const carrierDocument = ownerDocument({
  title: 'Carrier API',
  description:
    'The carrier’s own HTTP API: its deliveries and its daily schedule. Deliveries are booked, cancelled and ' +
    'dispatched by its Temporal activities (task queue `carrier`), not here. The gateway proxies its ADMIN routes here.',
  tags: [
    { name: 'deliveries', description: 'Deliveries, one per purchase, with their status history' },
    { name: 'schedule', description: 'Deliveries booked per day against the daily capacity' },
    { name: 'health', description: 'Liveness probe' },
  ],
});

/** The carrier's own HTTP API: its deliveries. The gateway proxies its admin routes here. */
export function createCarrierApi(
  db: CarrierDb,
  logger: Logger = createLogger('carrier'),
  options: { dailyCapacity?: number | (() => number) } & OwnerApiOptions = {},
) {
  const capacity = options.dailyCapacity ?? 50;
  const dailyCapacity = typeof capacity === 'function' ? capacity : () => capacity;
  const app = createOwnerApi({ serviceToken: options.serviceToken });
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
      path: '/deliveries',
      operationId: 'listDeliveries',
      tags: ['deliveries'],
      summary: 'Deliveries, or the one of a purchase',
      description: 'Every delivery, or with `purchaseId` the purchase’s delivery (an empty list when it has none).',
      request: { query: DeliveriesQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(Delivery) }), 'The deliveries'), ...ownerErrorResponses(400) },
    }),
    async (c) => c.json({ items: await listDeliveries(db, { purchaseId: c.req.valid('query').purchaseId }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/schedule',
      operationId: 'getSchedule',
      tags: ['schedule'],
      summary: 'Deliveries booked per day',
      description: 'From the earliest date a booking made now would get, each day’s bookings against the capacity.',
      responses: { 200: jsonContent(z.object({ items: z.array(BookedDay) }), 'Booked days'), ...ownerErrorResponses() },
    }),
    async (c) => c.json({ items: await bookedDays(db, estimatedDeliveryDate(new Date()), dailyCapacity()) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/deliveries/{id}',
      operationId: 'getDelivery',
      tags: ['deliveries'],
      summary: 'One delivery',
      description: 'The delivery with its status history, oldest first.',
      request: { params: z.object({ id: Id }) },
      responses: { 200: jsonContent(z.object({ delivery: Delivery }), 'The delivery'), ...ownerErrorResponses(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const delivery = await getDelivery(db, id);
      if (!delivery) throw new CodedError('NOT_FOUND', `No delivery ${id}`);
      return c.json({ delivery }, 200);
    },
  );

  app.doc('/openapi.json', carrierDocument);
  app.notFound(answerNotFound);
  app.onError(answerErrors(logger));
  return app;
}
