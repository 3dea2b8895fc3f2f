import { CodedError } from '../../contracts/errors';
import { ThrottledError } from '../errors';

export interface LoginThrottleSettings {
  /** Failed logins one account may take in `accountWindowMs`, from any number of clients. */
  maxFailuresPerAccount: number;
  accountWindowMs: number;
  /** Failed logins one client may make in `clientWindowMs`, over any number of accounts. */
  maxFailuresPerClient: number;
  clientWindowMs: number;
}

/** Bounds the memory an attacker can make the gateway spend on counters (one entry per account or client). */
const maxKeysPerCounter = 100_000;

/**
 * Attempts per key in a fixed window that starts at the key's first attempt. Entries are kept in the order their
 * windows started, which is also the order they end, so expired ones are dropped from the front.
 */
class AttemptCounter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until the key may try again, or 0 while it is under its limit. */
  waitFor(key: string): number {
    this.prune();
    const entry = this.entries.get(key);
    if (!entry || entry.count < this.max) return 0;
    return Math.max(1, entry.resetAt - this.now());
  }

  add(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (this.entries.size >= maxKeysPerCounter) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { count: 1, resetAt: this.now() + this.windowMs });
  }

  remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.count > 0) entry.count -= 1;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private prune(): void {
    const current = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.resetAt > current) break;
      this.entries.delete(key);
    }
  }
}

export interface LoginThrottle {
  /**
   * Runs one login attempt for `account` from `client`: 429 RATE_LIMITED (with Retry-After) without trying when
   * either is over its limit. Only INVALID_CREDENTIALS counts as a failure; a success clears the account's count.
   */
  attempt<T>(account: string, client: string, login: () => Promise<T>): Promise<T>;
}

/**
 * Brute-force protection beyond the global rate limit: per account (a password guessed from many addresses) and per
 * client (many accounts tried from one address). State lives in this process's memory.
 */
export function createLoginThrottle(settings: LoginThrottleSettings, now: () => number = Date.now): LoginThrottle {
  const accounts = new AttemptCounter(settings.maxFailuresPerAccount, settings.accountWindowMs, now);
  const clients = new AttemptCounter(settings.maxFailuresPerClient, settings.clientWindowMs, now);

  return {
    async attempt(account, client, login) {
      const waitMs = Math.max(accounts.waitFor(account), clients.waitFor(client));
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        throw new ThrottledError(`Too many failed logins; retry after ${seconds}s`, seconds);
      }
      // Counted before the password check, so that concurrent guesses cannot all slip in under the limit.
      accounts.add(account);
      clients.add(client);
      try {
        const result = await login();
        accounts.reset(account);
        clients.remove(client);
        return result;
      } catch (error) {
        if (!(error instanceof CodedError && error.code === 'INVALID_CREDENTIALS')) {
          // Not a guess that failed (e.g. the database was away): it must not lock anyone out.
          accounts.remove(account);
          clients.remove(client);
        }
        throw error;
      }
    },
  };
}
