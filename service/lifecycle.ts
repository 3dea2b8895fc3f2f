import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { DataConverter } from '@temporalio/common';
import { payloadDataConverter } from '../codec/data-converter';
import { payloadKeysFor } from '../codec/local-keys';
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
import { consulReadinessNotes, createStartWaits, isDatabaseAway, untilAnswers, type ReadinessNotes, type StartWaits } from './readiness';

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
  /**
   * Where its HTTP API listens, served from the start: while it waits for its database or Temporal, `/health` answers
   * 200, `/ready` 503 naming what it waits for, anything else 503; once `start` answers, its own API.
   */
  listen?(config: Config): { port: number; host?: string };
  /** Starts its own work; answers undefined when a stop signal came first (while it waited for Temporal). */
  start(context: ServiceContext<Db>): Promise<StartedService | undefined>;
}

export interface ServiceContext<Db> {
  /** The configuration at start; `live` carries the settings that change while the process runs (config/settings.ts). */
  config: Config;
  live: LiveConfig;
  logger: Logger;
  tracing: Tracing;
  /** Every Temporal client and worker of the process uses it: payloads encrypted with PAYLOAD_KEYS (codec/). */
  dataConverter: DataConverter;
  /** The client that serves requests and activities: it never waits for an SQLite lock (contracts/timeouts.ts). */
  db: Db;
  /** For one-off start-up work (seeding, the admin user), which may wait for a lock; closed once `start` answers. */
  setupDb: Db;
  /** Resolves on the first SIGINT or SIGTERM. */
  stopped: Promise<void>;
  /** What `start` waits for (Temporal), for `/ready` until it answers. */
  waits: StartWaits;
  /** What the process's own `/ready` adds once it answers 200: whether Consul lists it (service/readiness.ts). */
  readinessNotes: ReadinessNotes;
}

export interface StartedService {
  /** Its HTTP API, served once `start` answers, and registered in Consul when CONSUL_HTTP_ADDR is set. */
  http?: {
    /** `env` carries the Node.js request and its socket (the peer's address, for the gateway's client identity). */
    app: { fetch: (request: Request, env?: unknown) => Response | Promise<Response> };
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
 * on), the logger, the stop signals, error reports, its HTTP port (`/health`, and `/ready` 503 while it waits), the
 * database (waited for while it does not answer, with backoff; migrated where it owns the schema once it does), the
 * service's own start, its HTTP API and its Consul registration. Only a bad setting stops the start; an unreachable
 * dependency is waited for. A stop takes it out of Consul first, lets it drain, closes the
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

    // A bad key stops the start, as a bad setting does: before anything is served.
    const payloadKeys = payloadKeysFor(config);
    const keyIds = payloadKeys.keys.map((key) => key.id);
    if (payloadKeys.created) logger.info({ file: payloadKeys.from, keyIds }, 'Generated a local payload key (PAYLOAD_KEYS is not set)');
    else logger.info({ from: payloadKeys.from, keyIds }, 'Payloads encrypted with the first key; every key listed decrypts');
    const dataConverter = payloadDataConverter(payloadKeys.keys);

    // Served at once: /health, and a /ready that names what the process waits for, until its own API takes over.
    const waits = createStartWaits();
    let app: HttpApp | undefined;
    const early = definition.listen?.(config);
    let server = early
      ? await listen(service, { ...early, app: { fetch: (request, env) => (app ? app.fetch(request, env) : whileStarting(request, waits)) } }, logger)
      : undefined;
    let started: StartedService | undefined;
    let db: Db | undefined;
    const shutDown = () =>
      exit(service, logger, 0, [
        async () => live.close(),
        async () => server?.close(),
        async () => started?.close?.(),
        async () => db?.$disconnect(),
        () => tracing.shutdown(),
        () => flushErrorReports(),
      ]);

    // A database that does not answer yet is waited for (a bad URL still stops the start): migrated when it first does.
    const url = config.databases[definition.database.name];
    const setupDb = await untilAnswers({
      dependency: 'database',
      // A refusal that is no outage (a malformed URL, a refused password) stops the start naming the setting to fix.
      settingName: databaseSetting[definition.database.name],
      what: `the ${definition.database.name} database`,
      logFields: { database: redactUrl(url) },
      isAway: isDatabaseAway,
      logger,
      waits,
      stopped: stop.signalled,
      attempt: async () => {
        if (definition.database.migrate) {
          await migrateDatabase(definition.database.name, url);
          logger.info({ database: redactUrl(url) }, `Migrated the ${definition.database.name} database`);
        }
        return openDatabase(definition, url);
      },
    });
    if (!setupDb) return await shutDown();
    db = definition.database.connect(url);
    let registration: ServiceRegistration | undefined;
    const readinessNotes = consulReadinessNotes(() => registration?.state());
    started = await definition
      .start({ config, live, logger, tracing, dataConverter, db, setupDb, stopped: stop.signalled, waits, readinessNotes })
      .finally(() => setupDb.$disconnect());
    if (!started || stop.isSignalled()) return await shutDown();

    if (started.http) {
      if (server) app = started.http.app;
      else server = await listen(service, started.http, logger);
    }
    registration =
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
    return await shutDown();
  } catch (error) {
    // A bad or unreachable database URL says which service and which URL (password hidden) in the message itself.
    const reason = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error }, `${service} failed: ${reason}`);
    reportError(error);
    return exit(service, logger, 1, [() => tracing.shutdown(), () => flushErrorReports()]);
  }
}

/** The setting that holds each database's URL (config/index.ts). */
const databaseSetting: Record<DatabaseName, string> = {
  store: 'DATABASE_URL',
  supplier: 'SUPPLIER_DATABASE_URL',
  carrier: 'CARRIER_DATABASE_URL',
};

/** Connects and asks the database one question, so a bad URL stops start-up here rather than in a first request. */
async function openDatabase<Db extends Database>(definition: ServiceDefinition<Db>, url: string): Promise<Db> {
  const fail = (reason: string) =>
    new Error(`The ${definition.service} service cannot use its ${definition.database.name} database at ${redactUrl(url)}: ${reason}`);
  let db: Db;
  try {
    db = definition.database.connect(url, { waitForLocks: true });
  } catch (error) {
    throw new Error(fail(error instanceof Error ? error.message : String(error)).message, { cause: error });
  }
  try {
    await (db as unknown as { $queryRawUnsafe(sql: string): Promise<unknown> }).$queryRawUnsafe('SELECT 1');
  } catch (error) {
    await db.$disconnect().catch(() => undefined);
    // The cause stays attached: it tells an unreachable server (waited for) from a bad setting (service/readiness.ts).
    throw new Error(
      fail(error instanceof Error ? error.message.trim().split('\n').slice(-1)[0]! : String(error)).message,
      { cause: error },
    );
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

type HttpApp = { fetch: (request: Request, env?: unknown) => Response | Promise<Response> };

/** Before the service's own API is up: alive, not ready (naming what it waits for), nothing else served yet. */
function whileStarting(request: Request, waits: StartWaits): Response {
  const { pathname } = new URL(request.url);
  if (pathname === '/health') return Response.json({ status: 'ok' });
  const ready = waits.answer();
  // Nothing waited for, and the service's own start-up work (seeding, creating the worker) not done yet: still 503.
  const body =
    ready.status === 503
      ? ready.body
      : { status: 'waiting', waitingFor: [], error: { code: 'SERVICE_UNAVAILABLE', message: 'Not ready: starting', details: {} } };
  if (pathname === '/ready') return Response.json(body, { status: 503 });
  return Response.json(
    { error: { code: 'SERVICE_UNAVAILABLE', message: body.error.message.replace(/^Not ready/, 'Starting') } },
    { status: 503, headers: { 'Retry-After': '1' } },
  );
}

interface HttpServer {
  port: number;
  close(): Promise<void>;
}

async function listen(service: string, http: { app: HttpApp; port: number; host?: string }, logger: Logger): Promise<HttpServer> {
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
