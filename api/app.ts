import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from '../config';
import { staticLiveConfig, type LiveConfig } from '../config/live-config';
import { serviceToken } from '../config/service-token';
import { CodedError } from '../contracts/errors';
import { SagaSettings } from '../contracts/workflow-input';
import type { TemporalProblem } from '../config/temporal-diagnosis';
import { createServiceLocator } from '../discovery/locator';
import { withLogContext, type Logger } from '../logging';
import type { StoreDb } from '../prisma/clients';
import { createLiveLoginThrottle } from './auth/login-throttle';
import { createSessionStore } from './auth/sessions';
import { identifyClient } from './client-address';
import type { AppEnv } from './context';
import { errorResponse } from './errors';
import { createLimitCounters, type LimitCounters } from './limits';
import { createAuthMiddleware } from './middleware/auth';
import { handleError, handleNotFound, validationHook } from './middleware/errors';
import { countingUsers, rateLimit, userRateLimit } from './middleware/rate-limit';
import { bearerSecurityScheme, gatewayDocument } from './openapi';
import { createPurchaseService } from './purchases/service';
import { createWaitSlots } from './purchases/wait-slots';
import { noReadinessNotes, type ReadinessNotes } from '../service/readiness';
import { createErasureService } from './auth/erasure';
import { authRoutes } from './routes/auth';
import { codecCors, codecRoutes, isCodecPath } from './routes/codec';
import { deliveryRoutes } from './routes/deliveries';
import { docsRoutes } from './routes/docs';
import { erasureRoutes } from './routes/erasures';
import { healthRoutes } from './routes/health';
import { inventoryRoutes } from './routes/inventory';
import { orderRoutes } from './routes/orders';
import { productRoutes } from './routes/products';
import { purchaseRoutes } from './routes/purchases';
import { createServicesClient, type ServicesClient } from './services-client';
import { createHttpMetrics } from '../observability/http-metrics';
import { traceHttp } from '../observability/http-tracing';
import { closeOnUnreadBody } from '../net/unread-body';

export type GatewayConfig = Pick<
  Config,
  | 'rateLimitPerMinute'
  | 'loginThrottle'
  | 'corsOrigins'
  | 'trustedProxies'
  | 'clientIpv6Prefix'
  | 'sessionTtlMs'
  | 'sessionMaxAgeMs'
  | 'purchase'
  | 'purchaseLimits'
  | 'consulAddress'
  | 'consulToken'
  | 'services'
  | 'dataDir'
  | 'codecCorsOrigin'
>;

export interface GatewayDeps {
  config: GatewayConfig;
  /** The settings that change while the gateway runs (rate limit, login throttle, cancel window); default: `config`. */
  live?: LiveConfig<GatewayConfig>;
  store: StoreDb;
  /** A Temporal client; nothing is called on it until a route needs Temporal. */
  temporal: Client;
  logger: Logger;
  /** The supplier's and carrier's HTTP APIs; by default found through Consul or the configured URLs. */
  services?: ServicesClient;
  /** Why Temporal cannot be used right now (as the gateway's watcher last saw it), for `/ready`. */
  temporalProblem?: () => TemporalProblem | undefined;
  /** How long a Temporal call may take before the answer is 503 (default 10 s). */
  temporalTimeoutMs?: number;
  /** Largest accepted request body in bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /** Where the rate limit and the login throttle count (main.ts: Redis when REDIS_URL is set); default in memory. */
  limits?: LimitCounters;
  /** What `/ready` adds from outside the gateway (whether Consul lists it: service/readiness.ts); default nothing. */
  readinessNotes?: ReadinessNotes;
}

/** Probes and scrapes come every few seconds from Consul, Kubernetes and Prometheus: their lines are debug only. */
const probePaths = new Set(['/health', '/ready', '/metrics']);

/** Logs one line per answered request; every line written while it runs carries its request id (and trace id). */
function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await withLogContext({ requestId: c.get('requestId') }, next);
    logger[probePaths.has(c.req.path) ? 'debug' : 'info'](
      {
        requestId: c.get('requestId'),
        ...c.get('purchase'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  };
}

/** Assembles the gateway; `main.ts` serves it and tests call `app.request()` on it. */
export function createApp(deps: GatewayDeps) {
  const { config, store, temporal, logger } = deps;
  const temporalTimeoutMs = deps.temporalTimeoutMs ?? 10_000;
  // The owners answer only callers that present the service token (config/service-token.ts).
  const services = deps.services ?? createServicesClient(createServiceLocator(config), { serviceToken: serviceToken(config) });
  const sessions = createSessionStore(store, { ttlMs: config.sessionTtlMs, maxAgeMs: config.sessionMaxAgeMs });
  const limits = deps.limits ?? createLimitCounters();
  const live = deps.live ?? staticLiveConfig(config);
  // Each signed-in request counts against its user too, once the auth check has found the user.
  const auth = countingUsers(createAuthMiddleware(sessions), userRateLimit(() => live.current().rateLimitPerMinute, limits));
  const loginThrottle = createLiveLoginThrottle(live, limits);
  const settings = () => SagaSettings.parse(live.current().purchase);
  const purchases = createPurchaseService({
    store,
    temporal,
    settings,
    temporalTimeoutMs,
    maxInFlightPerUser: config.purchaseLimits.maxInFlightPerUser,
  });

  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', closeOnUnreadBody);
  app.use('*', requestId());
  app.use('*', traceHttp);
  // Before the rate limiter, so refusals are counted and Prometheus is never refused.
  const metrics = createHttpMetrics();
  app.use('*', metrics.middleware);
  app.get('/metrics', metrics.handler);
  app.use('*', requestLog(logger));
  app.use('*', secureHeaders());
  // The codec server (/codec) has CORS and a body limit of its own: credentials from the Web UI's origin only.
  const apiOnly =
    (middleware: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> =>
    (c, next) =>
      isCodecPath(c.req.path) ? next() : middleware(c, next);
  app.use(
    '*',
    apiOnly(
      cors({
        origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        exposeHeaders: ['Retry-After', 'X-Request-Id', 'traceparent', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      }),
    ),
  );
  // TRUSTED_PROXIES and CLIENT_IPV6_PREFIX apply from the start of the process (a KV change waits for the next start).
  app.use('*', identifyClient(config.trustedProxies, config.clientIpv6Prefix));
  app.use('/codec/*', codecCors(config.codecCorsOrigin));
  app.use('*', rateLimit(() => live.current().rateLimitPerMinute, limits));
  app.use(
    '*',
    apiOnly(
      bodyLimit({
        maxSize: deps.maxBodyBytes ?? 64 * 1024,
        onError: (c) =>
          errorResponse(c, new CodedError('PAYLOAD_TOO_LARGE', `The body may be at most ${deps.maxBodyBytes ?? 64 * 1024} bytes`)),
      }),
    ),
  );

  app.route(
    '/',
    healthRoutes({
      store,
      temporal,
      temporalProblem: deps.temporalProblem,
      limits,
      readinessNotes: deps.readinessNotes ?? noReadinessNotes,
      timeoutMs: Math.min(temporalTimeoutMs, 3_000),
    }),
  );
  app.route('/', authRoutes({ store, sessions, auth, loginThrottle }));
  app.route('/', erasureRoutes({ erasures: createErasureService({ store, temporal, temporalTimeoutMs }), auth }));
  app.route('/', productRoutes({ store, services, auth }));
  app.route('/', inventoryRoutes({ services, auth }));
  app.route('/', deliveryRoutes({ services, auth }));
  app.route('/', orderRoutes({ services, auth }));
  app.route('/codec', codecRoutes({ temporal, auth }));
  app.route('/', purchaseRoutes({ purchases, auth, waitSlots: createWaitSlots(() => config.purchaseLimits) }));

  app.openAPIRegistry.registerComponent('securitySchemes', bearerSecurityScheme, {
    type: 'http',
    scheme: 'bearer',
    description: 'The token from POST /auth/login',
  });
  app.doc('/openapi.json', gatewayDocument);
  app.route('/', docsRoutes());

  app.onError(handleError(logger));
  app.notFound(handleNotFound);
  return app;
}

export type GatewayApp = ReturnType<typeof createApp>;
