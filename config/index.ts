import path from 'node:path';
import ms from 'ms';
import { z } from 'zod';
import { parseDuration } from './duration';
import { withSecretFiles } from './secret-files';
import { withSettingsFrom } from './sources';
import { loadTemporalConnection, type TemporalConnectionSettings } from './temporal';

/** The repository root: embedded SQLite files and the Temporal state live under `<root>/.data` by default. */
export const projectRoot = path.resolve(__dirname, '..');

const duration = z.string().refine((value) => parseDuration(value) !== undefined, {
  message: 'must be a duration such as "30s", "2s", "500ms" or "0"',
});
const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** Every setting the processes read, for the environment and Consul KV alike: one parser, one meaning. */
export const envSchema = z.object({
  APP_ENV: z.enum(['dev', 'staging', 'prod']).default('dev'),
  DATA_DIR: z.string().default('.data'),
  PORT: port.default(3000),
  SUPPLIER_PORT: port.default(3001),
  CARRIER_PORT: port.default(3002),
  ORCHESTRATOR_METRICS_PORT: port.default(3003),
  DATABASE_URL: optionalString,
  SUPPLIER_DATABASE_URL: optionalString,
  CARRIER_DATABASE_URL: optionalString,
  TEMPORAL_UI_PORT: port.default(8233),
  SUPPLIER_URL: z.string().url().default('http://127.0.0.1:3001'),
  CARRIER_URL: z.string().url().default('http://127.0.0.1:3002'),
  SUPPLIER_NAME: z.string().trim().min(1).default('Acme Coffee Supply'),
  CARRIER_NAME: z.string().trim().min(1).default('Swift Parcel'),
  SUPPLIER_LEAD_TIME_DAYS: z.coerce.number().int().min(0).max(365).default(1),
  CARRIER_DAILY_CAPACITY: z.coerce.number().int().min(1).max(1_000_000).default(50),
  CONSUL_HTTP_ADDR: optionalString,
  SERVICE_HOST: z.string().default('127.0.0.1'),
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(100),
  MAX_WAITS_PER_USER: z.coerce.number().int().min(1).max(1_000).default(10),
  MAX_WAITS: z.coerce.number().int().min(1).max(100_000).default(1_000),
  MAX_PURCHASES_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(20),
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(0).default(5),
  LOGIN_FAILURE_MEMORY: duration.default('15m'),
  LOGIN_MAX_DELAY: duration.default('15m'),
  LOGIN_MAX_FAILURES_PER_CLIENT: z.coerce.number().int().positive().default(20),
  LOGIN_CLIENT_WINDOW: duration.default('1m'),
  REDIS_URL: optionalString,
  REDIS_KEY_PREFIX: z.string().default('purchase-saga:'),
  CORS_ORIGINS: z.string().default('*'),
  SESSION_TTL: duration.default('30d'),
  PURCHASE_CANCEL_WINDOW: duration.default('30s'),
  ACTIVITY_RETRY_INITIAL_INTERVAL: duration.default('1s'),
  ACTIVITY_RETRY_MAX_INTERVAL: duration.default('30s'),
  SEED_CATALOG: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  SENTRY_DSN: optionalString.pipe(z.string().url().optional()),
  SENTRY_ENVIRONMENT: optionalString,
  SENTRY_RELEASE: optionalString,
  LOKI_URL: optionalString.pipe(z.string().url().optional()),
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
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
    orchestrator: { metricsPort: values.ORCHESTRATOR_METRICS_PORT },
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
    },
    consulAddress: values.CONSUL_HTTP_ADDR,
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
    corsOrigins: values.CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean),
    sessionTtlMs: ms(values.SESSION_TTL as ms.StringValue),
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
