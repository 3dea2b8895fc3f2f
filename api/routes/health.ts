import { createRoute, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { StoreDb } from '../../prisma/clients';
import type { TemporalProblem } from '../../config/temporal-diagnosis';
import { errorBody } from '../errors';
import { createRouter, errorResponsesOf, jsonContent, noSecurity } from '../openapi';

const Status = z.object({ status: z.literal('ok') });

/** Liveness and readiness for probes; never rate-limited. */
export function healthRoutes(deps: {
  store: StoreDb;
  temporal: Client;
  timeoutMs: number;
  temporalProblem?: () => TemporalProblem | undefined;
}) {
  const { store, temporal, timeoutMs } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      tags: ['health'],
      summary: 'The process is up',
      description: 'Liveness: 200 while the process serves requests, whatever its dependencies do.',
      security: noSecurity,
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
      operationId: 'getReadiness',
      tags: ['health'],
      summary: 'Temporal and the database answer',
      description:
        'Readiness: 200 when Temporal and the store’s database answer, else 503 naming which does not in `details` ' +
        '(and, for Temporal, why, in `details.temporalProblem`).',
      security: noSecurity,
      responses: { 200: jsonContent(Status, 'Ready'), ...errorResponsesOf(503) },
    }),
    async (c) => {
      const [database, workflows] = await Promise.all([
        answers(() => store.$queryRaw`SELECT 1`),
        answers(() => temporal.withDeadline(Date.now() + timeoutMs, () => temporal.workflowService.getSystemInfo({}))),
      ]);
      if (database === 'up' && workflows === 'up') return c.json({ status: 'ok' as const }, 200);
      // The watcher's reason names the setting to check (a refused certificate, a missing namespace…).
      const problem = workflows === 'down' ? deps.temporalProblem?.() : undefined;
      const reason = problem?.message ?? (workflows === 'down' ? 'Temporal does not answer' : 'The database does not answer');
      return c.json(
        errorBody('SERVICE_UNAVAILABLE', `Not ready: ${reason}`, {
          database,
          temporal: workflows,
          ...(problem ? { temporalProblem: problem.code } : {}),
        }),
        503,
      );
    },
  );

  return router;
}
