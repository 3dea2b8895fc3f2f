import { createRoute, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { StoreDb } from '../../prisma/clients';
import type { TemporalProblem } from '../../config/temporal-diagnosis';
import type { ErrorBody } from '../../contracts/errors';
import { readyAnswer, type ReadinessNotes } from '../../service/readiness';
import type { LimitCounters } from '../limits';
import { createRouter, errorResponsesOf, jsonContent, noSecurity } from '../openapi';

const Status = z.object({ status: z.literal('ok') });
const Ready = Status.extend({
  redis: z
    .string()
    .optional()
    .describe('With REDIS_URL: `up`, or `away, limiting in memory` (each gateway counts on its own until Redis answers)'),
  consul: z
    .string()
    .optional()
    .describe('With CONSUL_HTTP_ADDR: `up`, or `away, not discoverable` (registered again once Consul answers)'),
  degraded: z.array(z.string()).optional().describe('What runs degraded while the gateway still serves: `redis`, `consul`'),
});

/** Liveness and readiness for probes; never rate-limited. */
export function healthRoutes(deps: {
  store: StoreDb;
  temporal: Client;
  timeoutMs: number;
  temporalProblem?: () => TemporalProblem | undefined;
  /** Where the throttling counters are kept: with REDIS_URL, `/ready` says whether Redis answers. */
  limits?: Pick<LimitCounters, 'redisState'>;
  /** What `/ready` adds from outside the gateway: whether Consul lists it (service/readiness.ts). */
  readinessNotes: ReadinessNotes;
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
        'Readiness: 200 when Temporal and the store’s database answer, else 503: the error body, with `details` ' +
        'giving each one’s state (`up`/`down`; for Temporal, why, in `details.temporalProblem`), and beside `error` ' +
        '`status: "waiting"` and `waitingFor`, the list of those that do not answer (`database`, `temporal`). While ' +
        'the gateway starts and waits for its database, `/ready` answers the same 503. Redis does not make it ' +
        'unready: with REDIS_URL, `redis` says `up`, or `away, limiting in memory` (and `degraded` lists `redis`) ' +
        'while each gateway counts on its own; nor does Consul: with CONSUL_HTTP_ADDR, `consul` says `up`, or ' +
        '`away, not discoverable` (and `degraded` lists `consul`).',
      security: noSecurity,
      responses: { 200: jsonContent(Ready, 'Ready'), ...errorResponsesOf(503) },
    }),
    async (c) => {
      const [database, workflows, redis] = await Promise.all([
        answers(() => store.$queryRaw`SELECT 1`),
        answers(() => temporal.withDeadline(Date.now() + timeoutMs, () => temporal.workflowService.getSystemInfo({}))),
        deps.limits?.redisState(),
      ]);
      // The watcher's reason names the setting to check (a refused certificate, a missing namespace…).
      const problem = workflows === 'down' ? deps.temporalProblem?.() : undefined;
      const reason =
        workflows === 'down'
          ? (problem?.message ?? 'Temporal does not answer')
          : database === 'down'
            ? 'The database does not answer'
            : undefined;
      const redisNote: Record<string, string> = redis ? { redis: redis === 'up' ? 'up' : 'away, limiting in memory' } : {};
      const ready = readyAnswer(
        { database, temporal: workflows },
        {
          ...(reason ? { reason } : {}),
          details: { ...(problem ? { temporalProblem: problem.code as string } : {}), ...redisNote },
          notes: { ...redisNote, ...deps.readinessNotes.notes() },
          degraded: [...(redis === 'away' ? ['redis'] : []), ...deps.readinessNotes.degraded()],
        },
      );
      return ready.status === 200 ? c.json(ready.body as z.infer<typeof Ready>, 200) : c.json(ready.body as ErrorBody, 503);
    },
  );

  return router;
}
