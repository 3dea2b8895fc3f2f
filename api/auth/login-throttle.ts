import { createHash } from 'node:crypto';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { CodedError } from '../../contracts/errors';
import { ThrottledError } from '../errors';
import { maxTimerMs } from '../../config/duration';
import type { LiveConfig } from '../../config/live-config';
import type { LimitCounters } from '../limits';

export interface LoginThrottleSettings {
  /** Failed logins an account may take from one client before each further try has to wait. */
  freeFailures: number;
  /** How long failures of an account from one client are remembered, from the first one. */
  failureMemoryMs: number;
  /** The longest wait between tries; the wait doubles from 1 s with every failure past the free ones. */
  maxDelayMs: number;
  /** Failed logins one client may make in `clientWindowMs`, over any number of accounts. */
  maxFailuresPerClient: number;
  clientWindowMs: number;
}

export interface LoginThrottle {
  /**
   * Runs one login attempt for `account` from `client`: 429 RATE_LIMITED (with Retry-After) without trying while the
   * pair must wait or the client is over its limit. Only INVALID_CREDENTIALS counts as a failure; a success clears
   * the pair's failures.
   */
  attempt<T>(account: string, client: string, login: () => Promise<T>): Promise<T>;
}

/** The in-flight guard on a pair's gated try: longer than any login takes. */
const gateSeconds = 60;

/**
 * Brute-force protection beyond the request rate limit. Failures are counted per account and client together (the
 * client as api/client-address.ts finds it: behind TRUSTED_PROXIES, the address they forward for), so a
 * password guessed from one client slows that client only: the owner, from another client, is never locked out of
 * their account by someone else's guesses. Past the free failures each try waits twice as long as the one before
 * (1 s, 2 s, 4 s… up to `maxDelayMs`), and one client guessing across many accounts is capped per window.
 * The counters live where `counters` keeps them (Redis when configured, so several gateways share them).
 */
export function createLoginThrottle(settings: LoginThrottleSettings, counters: LimitCounters): LoginThrottle {
  const failures = counters.counter({
    name: 'login-failures',
    points: Number.MAX_SAFE_INTEGER,
    durationSeconds: seconds(settings.failureMemoryMs),
  });
  // One point: held by a gated try while it runs, then blocked for the pair's wait after it fails.
  const gate = counters.counter({ name: 'login-gate', points: 1, durationSeconds: gateSeconds });
  const clients = counters.counter({
    name: 'login-client-failures',
    points: settings.maxFailuresPerClient,
    durationSeconds: seconds(settings.clientWindowMs),
  });
  const waitAfter = (failureCount: number) =>
    Math.min(seconds(settings.maxDelayMs), 2 ** Math.min(30, failureCount - settings.freeFailures));

  return {
    async attempt(account, client, login) {
      // Hashed: the store (Redis) holds no email addresses or client addresses.
      const pair = digest(`${account.toLowerCase()}\n${client}`);
      const clientKey = digest(client);

      // Counted before the password is checked, so that concurrent guesses cannot all slip in under a limit.
      await clients.consume(clientKey).catch((refusal: unknown) => throttled(refusal));
      const count = (await failures.penalty(pair, 1)).consumedPoints;
      let gated = false;
      if (count > settings.freeFailures) {
        try {
          await gate.consume(pair);
          gated = true;
        } catch (refusal) {
          // Not tried, so not counted.
          await Promise.all([failures.reward(pair, 1), clients.reward(clientKey, 1)]);
          throttled(refusal);
        }
      }

      try {
        const result = await login();
        await Promise.all([failures.delete(pair), gate.delete(pair), clients.reward(clientKey, 1)]);
        return result;
      } catch (error) {
        if (error instanceof CodedError && error.code === 'INVALID_CREDENTIALS') {
          if (count >= settings.freeFailures) await gate.block(pair, waitAfter(count));
        } else {
          // Not a guess that failed (e.g. the database was away): it must not slow anyone down.
          await Promise.all([
            failures.reward(pair, 1),
            clients.reward(clientKey, 1),
            gated ? gate.delete(pair) : undefined,
          ]);
        }
        throw error;
      }
    },
  };
}

/**
 * The throttle under live `LOGIN_*` settings: the counters' windows are fixed when they are made, so a change builds
 * the throttle afresh (counts start again) for the logins after it.
 */
export function createLiveLoginThrottle(
  live: LiveConfig<{ loginThrottle: LoginThrottleSettings }>,
  counters: LimitCounters,
): LoginThrottle {
  let settings = live.current().loginThrottle;
  let throttle = createLoginThrottle(settings, counters);
  live.onChange((config) => {
    if (JSON.stringify(config.loginThrottle) === JSON.stringify(settings)) return;
    settings = config.loginThrottle;
    throttle = createLoginThrottle(settings, counters);
  });
  return { attempt: (account, client, login) => throttle.attempt(account, client, login) };
}

/** A counter's refusal as 429 with the seconds until the next try; anything else is rethrown. */
function throttled(refusal: unknown): never {
  if (!(refusal instanceof RateLimiterRes)) throw refusal;
  const wait = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
  throw new ThrottledError(`Too many failed logins; retry after ${wait}s`, wait);
}

/**
 * Counters keep whole seconds (Redis expiries); never less than one, and never more than a Node.js timer holds: the
 * in-memory counters expire on `setTimeout`, which fires after 1 ms for anything longer (the settings' bounds keep
 * them below that too; config/index.ts).
 */
function seconds(ms: number): number {
  return Math.min(Math.max(1, Math.ceil(ms / 1000)), Math.floor(maxTimerMs / 1000));
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
