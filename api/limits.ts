import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../logging';

/**
 * Where the gateway keeps its throttling counters (the request rate limit, failed logins). With REDIS_URL they live in
 * Redis, so every gateway instance counts against the same limits; without it, in this process's memory. Counting is
 * done by rate-limiter-flexible (atomic Lua scripts on Redis). Should Redis be away, each counter falls back to memory
 * (its insurance limiter) rather than failing requests: limits then hold per instance until Redis is back. A Redis that
 * stops answering without closing its connections (a hung server, a partition) costs a request at most
 * `redisCommandTimeoutMs` before the memory answers: no request hangs on Redis.
 */
export interface LimitCounters {
  /** Where counts are kept: shared between gateways, or this process's own. */
  readonly shared: boolean;
  /** A counter of `points` per key over a fixed window of `durationSeconds`, under its own name. */
  counter(options: { name: string; points: number; durationSeconds: number }): RateLimiterAbstract;
  /**
   * Where counts are kept now, for `/ready`: `undefined` without REDIS_URL, `up` while Redis answers a PING within the
   * command timeout, `away` while the counters fall back to this process's memory.
   */
  redisState(): Promise<'up' | 'away' | undefined>;
  /** Resolves once Redis answers (at once in memory), or after `timeoutMs` with false: counting starts in memory. */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How long one Redis command may take before the counter falls back to memory for that request. */
export const redisCommandTimeoutMs = 500;

export function createLimitCounters(options: { redisUrl?: string; keyPrefix?: string; logger?: Logger } = {}): LimitCounters {
  const { redisUrl, keyPrefix = 'purchase-saga:', logger } = options;
  if (!redisUrl) {
    return {
      shared: false,
      counter: ({ name, points, durationSeconds }) => new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds }),
      ready: async () => true,
      redisState: async () => undefined,
      close: async () => undefined,
    };
  }

  // No offline queue: while Redis is away a command fails at once (and the memory insurance answers) instead of
  // holding the request until Redis returns.
  // A command timeout: a Redis that accepts connections but does not answer fails the command (the memory answers)
  // instead of holding the request.
  // Loaded only here: a gateway without REDIS_URL does not carry the Redis client (about 7 MB resident).
  const RedisClient = (require('ioredis') as { Redis: typeof Redis }).Redis;
  const client = new RedisClient(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: redisCommandTimeoutMs,
  });
  let away = false;
  const wentAway = (reason: string) => {
    if (away) return;
    away = true;
    logger?.warn({ err: reason }, 'Redis is away: throttling counts in this process until it is back');
  };
  const cameBack = () => {
    if (away) logger?.info('Redis is back: throttling counts are shared again');
    away = false;
  };
  client.on('error', (error: Error) => wentAway(error.message));
  client.on('ready', cameBack);
  return {
    shared: true,
    counter: ({ name, points, durationSeconds }) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${keyPrefix}${name}`,
        points,
        duration: durationSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds }),
      }),
    async redisState() {
      if (client.status !== 'ready') {
        wentAway(`connection ${client.status}`);
        return 'away';
      }
      try {
        await client.ping();
        cameBack();
        return 'up';
      } catch (error) {
        wentAway(error instanceof Error ? error.message : String(error));
        return 'away';
      }
    },
    ready(timeoutMs = 3_000) {
      if (client.status === 'ready') return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        client.once('ready', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
