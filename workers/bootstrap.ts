import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../config';
import { redactUrl } from '../config/redact-url';
import { startLiveConfig, type LiveConfig } from '../config/live-config';
import { connectionOptions, describeConnection } from '../config/temporal';
import { explainTemporalFailure } from '../config/temporal-diagnosis';
import { registerService, type RegisteredServiceName, type ServiceRegistration } from '../discovery/registration';
import { createLogger, type Logger } from '../logging';
import { flushErrorReports, reportError, startErrorReports } from '../observability/error-reports';
import { installTemporalRuntime } from '../observability/temporal-runtime';
import { activityInterceptors, workflowSinks } from '../observability/temporal-tracing';
import { startTracing, type TracedService } from '../observability/tracing';
import { migrateDatabase } from '../prisma/migrations';
import type { ConnectOptions } from '../prisma/clients';
import type { DatabaseName } from '../prisma/databases';
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

/** Starts the process and runs it until SIGINT or SIGTERM, then stops it cleanly and exits 0. */
export async function runWorker<Db extends { $disconnect(): Promise<void> }>(spec: WorkerProcess<Db>): Promise<never> {
  const tracing = startTracing(spec.service);
  const startConfig = loadConfig();
  const logger = createLogger(spec.service, startConfig.logLevel, startConfig.lokiUrl);
  const stop = stopSignal(logger);
  // The environment, then Consul KV when CONSUL_HTTP_ADDR is set, watched from here on.
  const live = await startLiveConfig({ logger });
  const config = live.current();
  try {
    if (await startErrorReports(spec.service, config.errorReports)) logger.info('Reporting errors to SENTRY_DSN');
    const url = config.databases[spec.database.name];
    if (spec.database.migrate) {
      await migrateDatabase(spec.database.name, url);
      logger.info({ database: redactUrl(url) }, `Migrated the ${spec.database.name} database`);
    }
    // Start-up work may wait for an SQLite lock; the client that serves activities may not (contracts/timeouts.ts).
    const setupDb = await openDatabase(spec, url, { waitForLocks: true });
    const db = spec.database.connect(url);
    // The prebuilt bundle (npm run build:workflows) when it matches the sources, so no webpack at start; else it is
    // bundled now and kept for the next start.
    const workflowBundle = spec.workflowsPath
      ? await workflowBundleFor(spec.workflowsPath, {
          logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
        })
      : undefined;
    await installTemporalRuntime(logger, spec.service);
    const connection = await connectToTemporal(config, logger, stop);
    if (!connection) return await exit(logger, 0, async () => void (await Promise.all([db.$disconnect(), setupDb.$disconnect()])));

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
        interceptors: { activity: activityInterceptors() },
        sinks: workflowSinks(tracing),
        // On shutdown, tasks in flight get this long to finish; after that they are cancelled and Temporal retries them.
        shutdownGraceTime: '10s',
      }),
      Promise.resolve(spec.prepare?.({ db: setupDb, connection, config, logger })).finally(() => setupDb.$disconnect()),
    ]);
    const server = spec.http
      ? await listen(spec.http.app(db, logger, live), spec.http.port(config), config, logger)
      : undefined;
    const registration: ServiceRegistration | undefined =
      server && spec.http && config.consulAddress
        ? registerService({
            consulAddress: config.consulAddress,
            name: spec.http.registerAs,
            host: config.services.host,
            port: server.port,
            logger,
          })
        : undefined;

    const running = worker.run();
    logger.info({ taskQueue: spec.taskQueue, namespace: config.temporal.namespace }, 'Worker polling');
    void stop.signalled.then(() => {
      // Temporal's runtime also reacts to SIGINT/SIGTERM; whichever comes first starts the drain.
      if (worker.getState() === 'RUNNING') worker.shutdown();
    });
    await running;
    logger.info('Worker drained');

    return await exit(logger, 0, async () => {
      live.close();
      await registration?.deregister();
      await server?.close();
      await db.$disconnect();
      await connection.close();
      await tracing.shutdown();
      await flushErrorReports();
    });
  } catch (error) {
    // A bad or unreachable database URL says which service and which URL (password hidden) in the message itself.
    const reason = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error }, `${spec.service} failed: ${reason}`);
    reportError(error);
    return exit(logger, 1, async () => {
      await tracing.shutdown();
      await flushErrorReports();
    });
  }
}

/** Connects and asks the database one question, so a bad URL stops start-up here rather than in a first activity. */
async function openDatabase<Db extends { $disconnect(): Promise<void> }>(
  spec: WorkerProcess<Db>,
  url: string,
  options: ConnectOptions,
) {
  const fail = (reason: string) =>
    new Error(`The ${spec.service} service cannot use its ${spec.database.name} database at ${redactUrl(url)}: ${reason}`);
  let db: Db;
  try {
    db = spec.database.connect(url, options);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  try {
    await (db as unknown as { $queryRawUnsafe(sql: string): Promise<unknown> }).$queryRawUnsafe('SELECT 1');
  } catch (error) {
    await db.$disconnect().catch(() => undefined);
    throw fail(error instanceof Error ? error.message.trim().split('\n').slice(-1)[0] : String(error));
  }
  return db;
}

/** Resolves on the first SIGINT or SIGTERM; a second one while stopping exits at once. */
function stopSignal(logger: Logger) {
  let stopping = false;
  let resolve!: () => void;
  const signalled = new Promise<void>((done) => (resolve = done));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: shutting down; tasks in flight finish or go back to Temporal`);
    resolve();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signalled };
}

/**
 * Temporal may come up after the worker (or restart under it): keep trying until it answers. Each distinct reason is
 * logged once, naming the setting to check (a refused certificate, a wrong server name, a missing namespace), rather
 * than the same generic line every few seconds.
 */
async function connectToTemporal(
  config: Config,
  logger: Logger,
  stop: ReturnType<typeof stopSignal>,
): Promise<NativeConnection | undefined> {
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
    const stopped = await Promise.race([
      stop.signalled.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), temporalRetryMs)),
    ]);
    if (stopped) return undefined;
  }
}

/** Serves the HTTP API; port 0 picks a free one, and the log says which. */
async function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  port: number,
  config: Config,
  logger: Logger,
): Promise<{ port: number; close(): Promise<void> }> {
  const host = config.services.host;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started: ServerType = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(started));
    started.once('error', reject);
  });
  const actualPort = (server.address() as AddressInfo).port;
  logger.info({ url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}` }, 'HTTP API listening');
  return {
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open; the worker has drained, so end them.
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

async function exit(logger: Logger, code: number, cleanUp?: () => Promise<void>): Promise<never> {
  try {
    await cleanUp?.();
  } catch (error) {
    logger.error({ err: error }, 'Clean-up failed');
  }
  logger.flush();
  process.exit(code);
}
