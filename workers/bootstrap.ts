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
  /** `live` carries the settings that change while the process runs (config/settings.ts). */
  activities(db: Db, config: Config, live: LiveConfig): object;
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

const temporalRetryMs = 3_000;

/**
 * Runs the worker as a service (service/lifecycle.ts): connects to Temporal, creates the Worker on its task queue,
 * serves its HTTP API once the worker and its start-up work are ready, polls until a stop signal, then drains.
 */
export function runWorker<Db extends { $disconnect(): Promise<void> }>(spec: WorkerProcess<Db>): Promise<never> {
  return runService({
    service: spec.service,
    database: spec.database,
    stopping: 'tasks in flight finish or go back to Temporal',
    async start({ config, live, logger, tracing, db, setupDb, stopped }) {
      // The prebuilt bundle (npm run build:workflows) when it matches the sources, so no webpack at start; else it is
      // bundled now and kept for the next start.
      const workflowBundle = spec.workflowsPath
        ? await workflowBundleFor(spec.workflowsPath, {
            logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
          })
        : undefined;
      await installTemporalRuntime(logger, spec.service);
      const connection = await connectToTemporal(config, logger, stopped);
      if (!connection) return undefined;

      // Creating the worker and the one-off preparation do not depend on each other: side by side, a restarted worker
      // polls again sooner. The HTTP API (its /health) waits for both: a seeded, ready service.
      const [worker] = await Promise.all([
        Worker.create({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: spec.taskQueue,
          activities: spec.activities(db, config, live),
          ...(workflowBundle ? { workflowBundle } : {}),
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
          app: spec.http.app(db, logger, live),
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
 * Temporal may come up after the worker (or restart under it): keep trying until it answers. Each distinct reason is
 * logged once, naming the setting to check (a refused certificate, a wrong server name, a missing namespace), rather
 * than the same generic line every few seconds. Answers undefined when a stop signal comes first.
 */
async function connectToTemporal(config: Config, logger: Logger, stopped: Promise<void>): Promise<NativeConnection | undefined> {
  const settings = config.temporal;
  let lastProblem: string | undefined;
  for (;;) {
    try {
      const connection = await NativeConnection.connect(connectionOptions(settings));
      try {
        // The worker would fail later, and less clearly, on a namespace the server does not have.
        await connection.workflowService.describeNamespace({ namespace: settings.namespace });
      } catch (error) {
        await connection.close().catch(() => undefined);
        throw error;
      }
      logger.info(describeConnection(settings), 'Connected to Temporal');
      return connection;
    } catch (error) {
      const problem = await explainTemporalFailure(settings, error);
      if (problem.message !== lastProblem) {
        lastProblem = problem.message;
        logger.error(
          { ...describeConnection(settings), code: problem.code },
          `${problem.message} (retrying every ${temporalRetryMs / 1000}s)`,
        );
      }
    }
    const stop = await Promise.race([
      stopped.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), temporalRetryMs)),
    ]);
    if (stop) return undefined;
  }
}
