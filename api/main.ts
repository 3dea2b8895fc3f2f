/** The gateway: the REST API (`PORT`, every interface) over the store's database, whose schema it owns, and Temporal. */
import { connectStore } from '../prisma/clients';
import { runService } from '../service/lifecycle';
import { createApp } from './app';
import { ensureAdmin } from './auth/accounts';
import { seedCatalogIfEmpty } from './catalog-seed';
import { createLimitCounters } from './limits';
import { createTemporalLink } from './temporal-link';

void runService({
  service: 'gateway',
  database: { name: 'store', connect: connectStore, migrate: true },
  stopping: 'no new connections, requests in flight finish',
  // Served at once: /health, and /ready naming the database while the gateway waits for it (service/lifecycle.ts).
  listen: (config) => ({ port: config.gateway.port }),
  async start({ config, live, logger, dataConverter, db, setupDb, readinessNotes }) {
    if (config.seedCatalog) {
      const seeded = await seedCatalogIfEmpty(setupDb);
      if (seeded > 0) logger.info({ products: seeded }, 'Seeded the catalog');
    }
    if (config.admin) {
      const admin = await ensureAdmin(setupDb, config.admin);
      logger.info({ email: admin.email }, 'Admin user ensured');
    }
    // Listen before Temporal answers: /health and an honest /ready (503, with the reason) during an outage.
    const link = createTemporalLink(config.temporal, logger, dataConverter);
    // With REDIS_URL, every gateway instance counts requests and failed logins against the same limits.
    const limits = createLimitCounters({ redisUrl: config.limits.redisUrl, keyPrefix: config.limits.redisKeyPrefix, logger });
    if (config.limits.redisUrl && !(await limits.ready())) {
      logger.warn('Redis does not answer yet: throttling counts in this process until it does');
    }
    const app = createApp({ config, live, store: db, temporal: link.client, temporalProblem: link.problem, logger, limits, readinessNotes });
    return {
      http: { app, port: config.gateway.port, registerAs: 'gateway' },
      close: async () => void (await Promise.allSettled([link.close(), limits.close()])),
    };
  },
});
