import os from 'node:os';
import path from 'node:path';
import ms from 'ms';
import { z } from 'zod';
import { boundedDuration, parseDuration } from './duration';
import { withSecretFiles } from './secret-files';
import { withSettingsFrom } from './sources';
import { addressList, trustedProxyEntries } from './trusted-proxies';
import { parsePayloadKeys, PayloadKeysError, type PayloadKey } from './payload-keys';
import { loadTemporalConnection, type TemporalConnectionSettings } from './temporal';

/** The repository root: embedded SQLite files and the Temporal state live under `<root>/.data` by default. */
export const projectRoot = path.resolve(__dirname, '..');

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = (maxLength = 4096) =>
  z
    .string()
    .max(maxLength)
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
const optionalUrl = optionalString(2048).pipe(z.string().url().optional());
const url = z.string().max(2048).url();
/** A duration that feeds a Node.js timer: at most 24 days (a timer holds at most 2^31-1 ms, about 24.8 days). */
const timerDuration = (min: string) => boundedDuration({ min, max: '24d' });

/** Every setting the processes read, for the environment and Consul KV alike: one parser, one meaning. */
export const envSchema = z.object({
  APP_ENV: z.enum(['dev', 'staging', 'prod']).default('dev'),
  DATA_DIR: z.string().min(1).max(4096).default('.data'),
  PORT: port.default(3000),
  SUPPLIER_PORT: port.default(3001),
  CARRIER_PORT: port.default(3002),
  ORCHESTRATOR_PORT: port.default(3003),
  // The older name of ORCHESTRATOR_PORT, still read when ORCHESTRATOR_PORT is not set.
  ORCHESTRATOR_METRICS_PORT: port.optional(),
  DATABASE_URL: optionalString(),
  SUPPLIER_DATABASE_URL: optionalString(),
  CARRIER_DATABASE_URL: optionalString(),
  TEMPORAL_UI_PORT: port.default(8233),
  SUPPLIER_URL: url.default('http://127.0.0.1:3001'),
  CARRIER_URL: url.default('http://127.0.0.1:3002'),
  SUPPLIER_NAME: z.string().trim().min(1).max(200).default('Acme Coffee Supply'),
  CARRIER_NAME: z.string().trim().min(1).max(200).default('Swift Parcel'),
  SUPPLIER_LEAD_TIME_DAYS: z.coerce.number().int().min(0).max(365).default(1),
  CARRIER_DAILY_CAPACITY: z.coerce.number().int().min(1).max(1_000_000).default(50),
  CONSUL_HTTP_ADDR: optionalString(2048),
  // The address the supplier's and carrier's APIs listen on (the gateway's listens on every interface).
  SERVICE_HOST: z.string().trim().min(1).max(253).default('127.0.0.1'),
  // The address others reach this instance at, registered in Consul; unset: the address of the interface it serves on.
  SERVICE_ADDRESS: optionalString(253).pipe(
    z
      .string()
      .refine((value) => !['0.0.0.0', '::', '[::]'].includes(value), 'must be an address others can reach, not 0.0.0.0 or ::')
      .optional(),
  ),
  // The instance's name in its Consul service id (with its port); unset: the host name. Kubernetes gives the pod's.
  POD_NAME: optionalString(253),
  CONSUL_HTTP_TOKEN: optionalString(256),
  // The credential the supplier's and carrier's APIs require of callers; unset: one generated once into DATA_DIR.
  SERVICE_TOKEN: optionalString(1024).pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ADMIN_EMAIL: optionalString(254),
  ADMIN_PASSWORD: optionalString(256),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(100),
  MAX_WAITS_PER_USER: z.coerce.number().int().min(1).max(1_000).default(10),
  MAX_WAITS: z.coerce.number().int().min(1).max(100_000).default(1_000),
  MAX_PURCHASES_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(20),
  // The orchestrator's workflow cache (the SDK's maxCachedWorkflows); unset: the SDK's default, sized from the heap limit.
  MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(100_000).optional(),
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(0).max(1_000).default(5),
  // The login throttle's counters expire on Node.js timers (in memory, without Redis).
  LOGIN_FAILURE_MEMORY: timerDuration('1s').default('15m'),
  LOGIN_MAX_DELAY: timerDuration('1s').default('15m'),
  LOGIN_MAX_FAILURES_PER_CLIENT: z.coerce.number().int().min(1).max(10_000_000).default(20),
  LOGIN_CLIENT_WINDOW: timerDuration('1s').default('1m'),
  REDIS_URL: optionalString(2048),
  REDIS_KEY_PREFIX: z.string().max(100).default('purchase-saga:'),
  CORS_ORIGINS: z.string().max(4096).default('*'),
  // The proxies whose X-Forwarded-For the gateway believes (addresses and CIDR ranges, comma-separated); none by default.
  TRUSTED_PROXIES: addressList(4096),
  // The IPv6 network that limits and throttles count as one client (a prefix length; 128: each address by itself).
  CLIENT_IPV6_PREFIX: z.coerce.number().int().min(32).max(128).default(56),
  // The Web UI's origin (a URL's origin: scheme://host:port), the one origin whose pages may call the codec server
  // (/codec) with credentials.
  CODEC_CORS_ORIGIN: optionalUrl,
  // A session's sliding lifetime, extended while it is used; SESSION_MAX_AGE caps it however active the session is.
  SESSION_TTL: boundedDuration({ min: '1m', max: '365d' }).default('30d'),
  SESSION_MAX_AGE: boundedDuration({ min: '1m', max: '365d' }).default('30d'),
  // How often the orchestrator's Temporal Schedule sweeps expired sessions from the store.
  SESSION_SWEEP_INTERVAL: boundedDuration({ min: '1m', max: '1d' }).default('1h'),
  PURCHASE_CANCEL_WINDOW: boundedDuration({ min: '0', max: '1d' }).default('30s'),
  // The initial interval is also checked against the maximum (loadConfig): above it, retries would never start.
  ACTIVITY_RETRY_INITIAL_INTERVAL: boundedDuration({ min: '10ms', max: '1h' }).default('1s'),
  ACTIVITY_RETRY_MAX_INTERVAL: boundedDuration({ min: '10ms', max: '1d' }).default('30s'),
  SEED_CATALOG: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  SENTRY_DSN: optionalUrl,
  SENTRY_ENVIRONMENT: optionalString(200),
  SENTRY_RELEASE: optionalString(200),
  LOKI_URL: optionalUrl,
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
}

/** Bounds between settings, each problem naming the setting to change. */
function crossSettingProblems(values: z.infer<typeof envSchema>): string[] {
  const problems: string[] = [];
  const initial = parseDuration(values.ACTIVITY_RETRY_INITIAL_INTERVAL) ?? 0;
  const maximum = parseDuration(values.ACTIVITY_RETRY_MAX_INTERVAL) ?? 0;
  if (initial > maximum) {
    problems.push(
      `ACTIVITY_RETRY_INITIAL_INTERVAL: must be at most ACTIVITY_RETRY_MAX_INTERVAL (${values.ACTIVITY_RETRY_MAX_INTERVAL}), got ${values.ACTIVITY_RETRY_INITIAL_INTERVAL}`,
    );
  }
  return problems;
}

/**
 * Parses the environment once; a bad value stops start-up with the variable's name. `kv` holds settings read from
 * Consul KV (config/live-config.ts): each one counts only where the environment does not set that name.
 */
export function loadConfig(given: NodeJS.ProcessEnv = process.env, kv: Readonly<Record<string, string>> = {}) {
  let env: NodeJS.ProcessEnv;
  try {
    env = withSettingsFrom(withSecretFiles(given), kv);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  const crossed = crossSettingProblems(values);
  if (crossed.length > 0) throw new ConfigError(`Invalid environment: ${crossed.join('; ')}`);
  // A secret with a shape of its own (config/payload-keys.ts), never from KV; unset: the local key file in DATA_DIR.
  let payloadKeys: PayloadKey[] | undefined;
  try {
    payloadKeys = env.PAYLOAD_KEYS?.trim() ? parsePayloadKeys(env.PAYLOAD_KEYS) : undefined;
  } catch (error) {
    if (error instanceof PayloadKeysError) throw new ConfigError(`Invalid environment: ${error.message}`);
    throw error;
  }
  let temporal: TemporalConnectionSettings;
  try {
    temporal = loadTemporalConnection(env);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const dataDir = path.resolve(projectRoot, values.DATA_DIR);
  const sqliteUrl = (name: string) => `file:${path.join(dataDir, `${name}.db`)}`;
  return {
    appEnv: values.APP_ENV,
    dataDir,
    gateway: { port: values.PORT },
    orchestrator: {
      metricsPort: env.ORCHESTRATOR_PORT?.trim() ? values.ORCHESTRATOR_PORT : (values.ORCHESTRATOR_METRICS_PORT ?? values.ORCHESTRATOR_PORT),
      maxCachedWorkflows: values.MAX_CACHED_WORKFLOWS,
    },
    databases: {
      store: values.DATABASE_URL ?? sqliteUrl('store'),
      supplier: values.SUPPLIER_DATABASE_URL ?? sqliteUrl('supplier'),
      carrier: values.CARRIER_DATABASE_URL ?? sqliteUrl('carrier'),
    },
    // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key and profiles: read as the Temporal CLI reads them.
    temporal: { ...temporal, uiPort: values.TEMPORAL_UI_PORT },
    services: {
      supplier: {
        port: values.SUPPLIER_PORT,
        url: values.SUPPLIER_URL,
        name: values.SUPPLIER_NAME,
        leadTimeDays: values.SUPPLIER_LEAD_TIME_DAYS,
      },
      carrier: {
        port: values.CARRIER_PORT,
        url: values.CARRIER_URL,
        name: values.CARRIER_NAME,
        dailyCapacity: values.CARRIER_DAILY_CAPACITY,
      },
      host: values.SERVICE_HOST,
      address: values.SERVICE_ADDRESS,
      // Unique per instance together with the port: the pod's name, else the host's (a container's is its id).
      instance: values.POD_NAME ?? (env.HOSTNAME?.trim() || os.hostname()),
      /** SERVICE_TOKEN as given; unset, `serviceToken(config)` (config/service-token.ts) makes the local one. */
      token: values.SERVICE_TOKEN,
    },
    consulAddress: values.CONSUL_HTTP_ADDR,
    consulToken: values.CONSUL_HTTP_TOKEN,
    admin:
      values.ADMIN_EMAIL && values.ADMIN_PASSWORD
        ? { email: values.ADMIN_EMAIL, password: values.ADMIN_PASSWORD }
        : undefined,
    rateLimitPerMinute: values.RATE_LIMIT_PER_MINUTE,
    // Each wait holds a Temporal long poll; each purchase in flight holds stock.
    purchaseLimits: {
      maxWaitsPerUser: values.MAX_WAITS_PER_USER,
      maxWaits: values.MAX_WAITS,
      maxInFlightPerUser: values.MAX_PURCHASES_IN_FLIGHT,
    },
    limits: { redisUrl: values.REDIS_URL, redisKeyPrefix: values.REDIS_KEY_PREFIX },
    loginThrottle: {
      freeFailures: values.LOGIN_FREE_FAILURES,
      failureMemoryMs: ms(values.LOGIN_FAILURE_MEMORY as ms.StringValue),
      maxDelayMs: ms(values.LOGIN_MAX_DELAY as ms.StringValue),
      maxFailuresPerClient: values.LOGIN_MAX_FAILURES_PER_CLIENT,
      clientWindowMs: ms(values.LOGIN_CLIENT_WINDOW as ms.StringValue),
    },
    trustedProxies: trustedProxyEntries(values.TRUSTED_PROXIES),
    clientIpv6Prefix: values.CLIENT_IPV6_PREFIX,
    // Undefined: the local key file (codec/local-keys.ts).
    payloadKeys,
    codecCorsOrigin: values.CODEC_CORS_ORIGIN && new URL(values.CODEC_CORS_ORIGIN).origin,
    corsOrigins: values.CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean),
    sessionTtlMs: ms(values.SESSION_TTL as ms.StringValue),
    sessionMaxAgeMs: ms(values.SESSION_MAX_AGE as ms.StringValue),
    sessionSweepIntervalMs: ms(values.SESSION_SWEEP_INTERVAL as ms.StringValue),
    purchase: {
      cancelWindow: values.PURCHASE_CANCEL_WINDOW,
      retryInitialInterval: values.ACTIVITY_RETRY_INITIAL_INTERVAL,
      retryMaximumInterval: values.ACTIVITY_RETRY_MAX_INTERVAL,
    },
    seedCatalog: values.SEED_CATALOG,
    logLevel: values.LOG_LEVEL,
    // Optional: error reports to a Sentry-compatible service, log lines pushed to Loki.
    errorReports: { dsn: values.SENTRY_DSN, environment: values.SENTRY_ENVIRONMENT, release: values.SENTRY_RELEASE },
    lokiUrl: values.LOKI_URL,
  };
}
