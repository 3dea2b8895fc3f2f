import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { loadConfig, type Config } from '../config';
import { startLiveConfig, type LiveConfig } from '../config/live-config';
import { redactUrl } from '../config/redact-url';
import { registerService, type RegisteredServiceName, type ServiceRegistration } from '../discovery/registration';
import { createLogger, type Logger } from '../logging';
import { flushErrorReports, reportError, startErrorReports } from '../observability/error-reports';
import { startTracing, type TracedService, type Tracing } from '../observability/tracing';
import type { ConnectOptions } from '../prisma/clients';
import type { DatabaseName } from '../prisma/databases';
import { migrateDatabase } from '../prisma/migrations';

type Database = { $disconnect(): Promise<void> };

/**
 * One service process, gateway or worker: its database, and `start`, which brings up what it serves. `runService` does
 * the rest the same way for every one of them.
 */
export interface ServiceDefinition<Db extends Database> {
  service: TracedService;
  database: {
    name: DatabaseName;
    connect(url: string, options?: ConnectOptions): Db;
    /** Apply pending migrations at start; false where another process owns the schema. */
    migrate: boolean;
  };
  /** What shutting down means for it, for the line a stop signal writes ("SIGTERM: shutting down; …"). */
  stopping: string;
  /** Starts its own work; answers undefined when a stop signal came first (while it waited for Temporal). */
  start(context: ServiceContext<Db>): Promise<StartedService | undefined>;
}

export interface ServiceContext<Db> {
  /** The configuration at start; `live` carries the settings that change while the process runs (config/settings.ts). */
  config: Config;
  live: LiveConfig;
  logger: Logger;
  tracing: Tracing;
  /** The client that serves requests and activities: it never waits for an SQLite lock (contracts/timeouts.ts). */
  db: Db;
  /** For one-off start-up work (seeding, the admin user), which may wait for a lock; closed once `start` answers. */
  setupDb: Db;
  /** Resolves on the first SIGINT or SIGTERM. */
  stopped: Promise<void>;
}

export interface StartedService {
  /** Its HTTP API, served once `start` answers, and registered in Consul when CONSUL_HTTP_ADDR is set. */
  http?: {
    app: { fetch: (request: Request) => Response | Promise<Response> };
    port: number;
    /** The address to listen on; every interface when not given. Port 0 picks a free port, and the log says which. */
    host?: string;
    /** The name other services find it under in Consul. */
    registerAs: RegisteredServiceName;
  };
  /** Its work, from when the HTTP API is up until it has drained after a stop signal; without it, until the signal. */
  run?(): Promise<void>;
  /** Closes what `start` opened. */
  close?(): Promise<void>;
}

/** HTTP requests in flight at a stop get this long to finish; then their connections are closed. */
const httpDrainMs = 10_000;
/** What is left to close after the drain gets this long: a client that does not answer must not keep the process up. */
const cleanUpMs = 10_000;

/**
 * Starts the process and runs it until SIGINT or SIGTERM, then stops it cleanly and exits 0 (1 when it failed). In
 * order: tracing, the configuration (the environment, then Consul KV when CONSUL_HTTP_ADDR is set, watched from then
 * on), the logger, the stop signals, error reports, the database (migrated where it owns the schema), the service's
 * own start, its HTTP API and its Consul registration. A stop takes it out of Consul first, lets it drain, closes the
 * HTTP API, then the rest.
 */
export async function runService<Db extends Database>(definition: ServiceDefinition<Db>): Promise<never> {
  const { service } = definition;
  const tracing = startTracing(service);
  // Until the configuration is read (LOG_LEVEL may be bad): enough to say why the start failed.
  let logger = createLogger(service, 'info');
  try {
    const startConfig = loadConfig();
    logger = createLogger(service, startConfig.logLevel, startConfig.lokiUrl);
    const stop = stopSignal(logger, definition.stopping);
    const live = await startLiveConfig({ logger });
    const config = live.current();
    if (await startErrorReports(service, config.errorReports)) logger.info('Reporting errors to SENTRY_DSN');

    const url = config.databases[definition.database.name];
    if (definition.database.migrate) {
      await migrateDatabase(definition.database.name, url);
      logger.info({ database: redactUrl(url) }, `Migrated the ${definition.database.name} database`);
    }
    const setupDb = await openDatabase(definition, url);
    const db = definition.database.connect(url);
    const started = await definition
      .start({ config, live, logger, tracing, db, setupDb, stopped: stop.signalled })
      .finally(() => setupDb.$disconnect());
    const shutDown = (server?: HttpServer) =>
      exit(service, logger, 0, [
        async () => live.close(),
        async () => server?.close(),
        async () => started?.close?.(),
        () => db.$disconnect(),
        () => tracing.shutdown(),
        () => flushErrorReports(),
      ]);
    if (!started || stop.isSignalled()) return await shutDown();

    const server = started.http ? await listen(service, started.http, logger) : undefined;
    const registration: ServiceRegistration | undefined =
      server && started.http && config.consulAddress
        ? registerService({
            consulAddress: config.consulAddress,
            consulToken: config.consulToken,
            name: started.http.registerAs,
            address: config.services.address,
            listenHost: started.http.host,
            instance: config.services.instance,
            port: server.port,
            logger,
          })
        : undefined;
    // Out of the catalog as soon as it stops, so nobody is sent here while it drains.
    const deregistered = stop.signalled.then(() => registration?.deregister());
    await (started.run ? started.run() : stop.signalled);
    await deregistered;
    return await shutDown(server);
  } catch (error) {
    // A bad or unreachable database URL says which service and which URL (password hidden) in the message itself.
    const reason = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error }, `${service} failed: ${reason}`);
    reportError(error);
    return exit(service, logger, 1, [() => tracing.shutdown(), () => flushErrorReports()]);
  }
}

/** Connects and asks the database one question, so a bad URL stops start-up here rather than in a first request. */
async function openDatabase<Db extends Database>(definition: ServiceDefinition<Db>, url: string): Promise<Db> {
  const fail = (reason: string) =>
    new Error(`The ${definition.service} service cannot use its ${definition.database.name} database at ${redactUrl(url)}: ${reason}`);
  let db: Db;
  try {
    db = definition.database.connect(url, { waitForLocks: true });
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
function stopSignal(logger: Logger, stopping: string) {
  let signalled = false;
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    signalled = true;
    logger.info(`${signal}: shutting down; ${stopping}`);
    resolve();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signalled: promise, isSignalled: () => signalled };
}

interface HttpServer {
  port: number;
  close(): Promise<void>;
}

async function listen(service: string, http: NonNullable<StartedService['http']>, logger: Logger): Promise<HttpServer> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started: ServerType = serve({ fetch: http.app.fetch, port: http.port, hostname: http.host }, () => resolve(started));
    started.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = http.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, `${capitalized(service)} listening on ${url}`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // No new connections; requests in flight finish (for a while), and idle keep-alive connections close now.
        const late = setTimeout(() => 'closeAllConnections' in server && server.closeAllConnections(), httpDrainMs);
        server.close(() => {
          clearTimeout(late);
          resolve();
        });
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}

const capitalized = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;

/** Runs each clean-up step in order (a failed one is logged, the next still runs), then exits with `code`. */
async function exit(service: string, logger: Logger, code: number, cleanUp: (() => Promise<unknown>)[]): Promise<never> {
  const late = setTimeout(() => {
    logger.warn(`Clean-up did not finish within ${cleanUpMs / 1000}s; exiting`);
    logger.flush();
    process.exit(code);
  }, cleanUpMs);
  for (const step of cleanUp) {
    try {
      await step();
    } catch (error) {
      logger.error({ err: error }, 'Clean-up failed');
    }
  }
  clearTimeout(late);
  if (code === 0) logger.info(`${capitalized(service)} stopped`);
  logger.flush();
  process.exit(code);
}
