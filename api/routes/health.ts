import { createRoute, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { StoreDb } from '../../prisma/clients';
import { errorBody } from '../errors';
import { createRouter, errorResponses, jsonContent } from '../openapi';

const Status = z.object({ status: z.literal('ok') });

/** Liveness and readiness for probes; never rate-limited. */
export function healthRoutes(deps: { store: StoreDb; temporal: Client; timeoutMs: number }) {
  const { store, temporal, timeoutMs } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['health'],
      summary: 'The process is up',
      responses: { 200: jsonContent(Status, 'Up') },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  const answers = async (check: () => Promise<unknown>) => {
    try {
      await check();
      return 'up' as const;
    } catch {
      return 'down' as const;
    }
  };

  router.openapi(
    createRoute({
      method: 'get',
      path: '/ready',
      tags: ['health'],
      summary: 'Temporal and the database answer',
      responses: { 200: jsonContent(Status, 'Ready'), ...errorResponses(503) },
    }),
    async (c) => {
      const [database, workflows] = await Promise.all([
        answers(() => store.$queryRaw`SELECT 1`),
        answers(() => temporal.withDeadline(Date.now() + timeoutMs, () => temporal.workflowService.getSystemInfo({}))),
      ]);
      if (database === 'up' && workflows === 'up') return c.json({ status: 'ok' as const }, 200);
      return c.json(
        errorBody('SERVICE_UNAVAILABLE', 'Not ready: a dependency does not answer', { database, temporal: workflows }),
        503,
      );
    },
  );

  return router;
}
