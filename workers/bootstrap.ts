import { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../config';
import type { LiveConfig } from '../config/live-config';
import { connectionOptions, describeConnection } from '../config/temporal';
import { explainTemporalFailure } from '../config/temporal-diagnosis';
import type { RegisteredServiceName } from '../discovery/registration';
import type { Logger } from '../logging';
import { installTemporalRuntime } from '../observability/temporal-runtime';
import { activityInterceptors, workflowSinks } from '../observability/temporal-tracing';
import type { TracedService } from '../observability/tracing';
import type { ConnectOptions } from '../prisma/clients';
import type { DatabaseName } from '../prisma/databases';
import { runService } from '../service/lifecycle';
import { readyAnswer, untilAnswers, type ReadinessNotes, type StartWaits } from '../service/readiness';
import { workflowBundleFor } from './workflow-bundle';

/**
 * What one worker process is: its task queue, its database, its activities (and workflows), and, for the supplier
 * and the carrier, a small HTTP API. `runWorker` does the rest, the same way for every process.
 */
export interface WorkerProcess<Db extends { $disconnect(): Promise<void> }> {
  service: TracedService;
  taskQueue: string;
  database: {
    name: DatabaseName;
    connect(url: string, options?: ConnectOptions): Db;
    /** Apply pending migrations at start; false where another process owns the schema. */
    migrate: boolean;
  };
  /**
   * `live` carries the settings that change while the process runs (config/settings.ts); `connection` is the worker's
   * own connection to Temporal, for activities that act on workflows.
   */
  activities(db: Db, config: Config, live: LiveConfig, connection: NativeConnection): object;
  workflowsPath?: string;
  http?: {
    port(config: Config): number;
    app(db: Db, logger: Logger, live: LiveConfig): { fetch: (request: Request) => Response | Promise<Response> };
    /** The name other services find it under in Consul. */
    registerAs: RegisteredServiceName;
  };
  /** One-off start-up work once the database and Temporal answer: seeding, search attributes. */
  prepare?(context: { db: Db; connection: NativeConnection; config: Config; logger: Logger }): Promise<void>;
}

/** How long `/ready` gives each dependency to answer. */
const readyCheckMs = 3_000;

/**
 * Runs the worker as a service (service/lifecycle.ts): connects to Temporal, creates the Worker on its task queue,
 * serves its HTTP API once the worker and its start-up work are ready, polls until a stop signal, then drains.
 */
export function runWorker<Db extends { $disconnect(): Promise<void> }>(spec: WorkerProcess<Db>): Promise<never> {
  return runService({
    service: spec.service,
    database: spec.database,
    stopping: 'tasks in flight finish or go back to Temporal',
    // Its port from the start: /health, and /ready naming the database or Temporal while it waits for them.
    listen: spec.http && ((config) => ({ port: spec.http!.port(config), host: config.services.host })),
    async start({ config, live, logger, tracing, dataConverter, db, setupDb, stopped, waits, readinessNotes }) {
      // The prebuilt bundle (npm run build:workflows) when it matches the sources, so no webpack at start; else it is
      // bundled now and kept for the next start.
      const workflowBundle = spec.workflowsPath
        ? await workflowBundleFor(spec.workflowsPath, {
            logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
          })
        : undefined;
      await installTemporalRuntime(logger, spec.service);
      const connection = await connectToTemporal(config, logger, stopped, waits);
      if (!connection) return undefined;

      // Creating the worker and the one-off preparation do not depend on each other: side by side, a restarted worker
      // polls again sooner. The HTTP API (its /health) waits for both: a seeded, ready service.
      const [worker] = await Promise.all([
        Worker.create({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: spec.taskQueue,
          activities: spec.activities(db, config, live, connection),
          ...(workflowBundle ? { workflowBundle } : {}),
          // The SDK sizes its default from the heap limit, which a container's memory limit lowers (39 at 512Mi).
          ...(workflowBundle && config.orchestrator.maxCachedWorkflows
            ? { maxCachedWorkflows: config.orchestrator.maxCachedWorkflows }
            : {}),
          // Payload codecs run outside the workflow sandbox: the bundle needs nothing of the encryption.
          dataConverter,
          // The workflow's interceptors are in the bundle (workers/workflow-bundle.ts); the activities' are here.
          interceptors: { activity: activityInterceptors(logger) },
          sinks: workflowSinks(tracing),
          // On shutdown, tasks in flight get this long to finish; after that they are cancelled and Temporal retries them.
          shutdownGraceTime: '10s',
        }),
        spec.prepare?.({ db: setupDb, connection, config, logger }),
      ]);
      return {
        http: spec.http && {
          app: withReadiness(spec.http.app(db, logger, live), db, connection, readinessNotes),
          port: spec.http.port(config),
          host: config.services.host,
          registerAs: spec.http.registerAs,
        },
        async run() {
          const running = worker.run();
          logger.info({ taskQueue: spec.taskQueue, namespace: config.temporal.namespace }, 'Worker polling');
          void stopped.then(() => {
            // Temporal's runtime also reacts to SIGINT/SIGTERM; whichever comes first starts the drain.
            if (worker.getState() === 'RUNNING') worker.shutdown();
          });
          await running;
          logger.info('Worker drained');
        },
        close: () => connection.close(),
      };
    },
  });
}

/**
 * The worker's HTTP API with `/ready` in front (open, as `/health` is, for probes): 200 while its database and its
 * Temporal server answer (with `extra`'s notes: whether Consul lists it), else 503 naming the one that does not, the
 * same answer as the gateway's.
 */
function withReadiness(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  db: object,
  connection: NativeConnection,
  extra: ReadinessNotes,
): { fetch: (request: Request, env?: unknown) => Response | Promise<Response> } {
  const answers = async (check: () => Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in time')), readyCheckMs))),
      ]);
      return 'up' as const;
    } catch {
      return 'down' as const;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    // `env` carries the Node.js request and its socket, as the server hands it: passed on untouched.
    async fetch(request, env) {
      if (request.method !== 'GET' || new URL(request.url).pathname !== '/ready') {
        return (app.fetch as (request: Request, env?: unknown) => Response | Promise<Response>).call(app, request, env);
      }
      const [database, temporal] = await Promise.all([
        answers(() => (db as { $queryRawUnsafe(sql: string): Promise<unknown> }).$queryRawUnsafe('SELECT 1')),
        answers(() => connection.withDeadline(Date.now() + readyCheckMs, () => connection.workflowService.getSystemInfo({}))),
      ]);
      const ready = readyAnswer({ database, temporal }, { notes: extra.notes(), degraded: extra.degraded() });
      return Response.json(ready.body, { status: ready.status });
    },
  };
}

/**
 * Temporal may come up after the worker (or restart under it): keep trying until it answers, with backoff
 * (service/readiness.ts), `/ready` naming Temporal meanwhile. Each distinct reason is logged once, naming the setting
 * to check (a refused certificate, a wrong server name, a missing namespace), rather than the same line every few
 * seconds. Answers undefined when a stop signal comes first.
 */
async function connectToTemporal(
  config: Config,
  logger: Logger,
  stopped: Promise<void>,
  waits: StartWaits,
): Promise<NativeConnection | undefined> {
  const settings = config.temporal;
  const connection = await untilAnswers({
    dependency: 'temporal',
    what: `Temporal at ${settings.address}`,
    logFields: describeConnection(settings),
    level: 'error',
    logger,
    waits,
    stopped,
    // Every failure to connect is waited for: the reason logged names the setting to check when it is one.
    isAway: () => true,
    // The diagnosis's code leads the reason, as the gateway's line carries it: one grep finds both.
    reasonOf: (error) => {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown }).code;
      return typeof code === 'string' ? `${code}: ${message}` : message;
    },
    attempt: async () => {
      try {
        const connection = await NativeConnection.connect(connectionOptions(settings));
        try {
          // The worker would fail later, and less clearly, on a namespace the server does not have.
          await connection.workflowService.describeNamespace({ namespace: settings.namespace });
        } catch (error) {
          await connection.close().catch(() => undefined);
          throw error;
        }
        return connection;
      } catch (error) {
        const problem = await explainTemporalFailure(settings, error);
        throw Object.assign(new Error(problem.message, { cause: error }), { code: problem.code });
      }
    },
  });
  if (connection) logger.info(describeConnection(settings), 'Connected to Temporal');
  return connection;
}
