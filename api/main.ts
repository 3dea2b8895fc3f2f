import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { loadConfig } from '../config';
import { redactUrl } from '../config/redact-url';
import { startLiveConfig } from '../config/live-config';
import { registerService } from '../discovery/registration';
import { createLogger, type Logger } from '../logging';
import { flushErrorReports, startErrorReports } from '../observability/error-reports';
import { startTracing } from '../observability/tracing';
import { migrateDatabase } from '../prisma/migrations';
import { connectStore } from '../prisma/clients';
import { createApp } from './app';
import { ensureAdmin } from './auth/accounts';
import { seedCatalogIfEmpty } from './catalog-seed';
import { createLimitCounters } from './limits';
import { createTemporalLink } from './temporal-link';

async function main() {
  const tracing = startTracing('gateway');
  const startConfig = loadConfig();
  const logger = createLogger('gateway', startConfig.logLevel, startConfig.lokiUrl);
  // The environment, then Consul KV when CONSUL_HTTP_ADDR is set, watched from here on.
  const live = await startLiveConfig({ logger });
  const config = live.current();
  if (await startErrorReports('gateway', config.errorReports)) logger.info('Reporting errors to SENTRY_DSN');
  let stopping = false;
  let stop: (signal: string) => void = (signal) => {
    // Before the server is up there is nothing to drain.
    logger.info({ signal }, 'Stopping during start-up');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopping = true;
      stop(signal);
    });
  }

  logger.info({ database: redactUrl(config.databases.store) }, 'Migrating the store database');
  await migrateDatabase('store', config.databases.store);
  const store = connectStore(config.databases.store);

  // Start-up work may wait for an SQLite lock; the client that serves requests may not (contracts/timeouts.ts).
  const setup = connectStore(config.databases.store, { waitForLocks: true });
  if (config.seedCatalog) {
    const seeded = await seedCatalogIfEmpty(setup);
    if (seeded > 0) logger.info({ products: seeded }, 'Seeded the catalog');
  }
  if (config.admin) {
    const admin = await ensureAdmin(setup, config.admin);
    logger.info({ email: admin.email }, 'Admin user ensured');
  }
  await setup.$disconnect();

  // Listen before Temporal answers: /health and an honest /ready (503, with the reason) during an outage.
  const link = createTemporalLink(config.temporal, logger);
  // With REDIS_URL, every gateway instance counts requests and failed logins against the same limits.
  const limits = createLimitCounters({ redisUrl: config.limits.redisUrl, keyPrefix: config.limits.redisKeyPrefix, logger });
  if (config.limits.redisUrl && !(await limits.ready())) {
    logger.warn('Redis does not answer yet: throttling counts in this process until it does');
  }
  const app = createApp({ config, live, store, temporal: link.client, temporalProblem: link.problem, logger, limits });
  let registration: ReturnType<typeof registerService> | undefined;
  const server = serve({ fetch: app.fetch, port: config.gateway.port }, (info) => {
    logger.info({ port: info.port }, `Gateway listening on http://127.0.0.1:${info.port} (docs at /docs)`);
    if (config.consulAddress) {
      registration = registerService({ consulAddress: config.consulAddress, name: 'gateway', host: config.services.host, port: info.port, logger });
    }
  }) as Server;

  stop = (signal) => {
    logger.info({ signal }, 'Shutting down: no new connections, finishing requests in flight');
    // A second signal, or requests that will not finish, must not keep the process alive.
    setTimeout(() => process.exit(0), 10_000).unref();
    live.close();
    // Out of the catalog first, so nobody is sent here while requests in flight finish.
    const deregistered = registration?.deregister();
    server.close(async () => {
      await deregistered;
      await Promise.allSettled([link.close(), store.$disconnect(), limits.close(), tracing.shutdown(), flushErrorReports()]);
      logger.info('Gateway stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
}

main().catch((error) => {
  createLogger('gateway').fatal({ err: error }, 'Gateway failed to start');
  process.exit(1);
});
