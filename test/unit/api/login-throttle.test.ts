import { randomUUID } from 'node:crypto';
import { createLoginThrottle, type LoginThrottleSettings } from '../../../api/auth/login-throttle';
import { ThrottledError } from '../../../api/errors';
import { createLimitCounters, type LimitCounters } from '../../../api/limits';
import { CodedError } from '../../../contracts/errors';

/** The local Redis (CI runs one as a service); each test counts under a prefix of its own. */
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const settings: LoginThrottleSettings = {
  freeFailures: 2,
  failureMemoryMs: 60_000,
  maxDelayMs: 60_000,
  maxFailuresPerClient: 6,
  clientWindowMs: 60_000,
};
const wrong = () => Promise.reject(new CodedError('INVALID_CREDENTIALS', 'Wrong email or password'));
const right = () => Promise.resolve('signed in');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function refusal(promise: Promise<unknown>): Promise<ThrottledError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ThrottledError);
  return error as ThrottledError;
}

const opened: LimitCounters[] = [];
afterAll(async () => {
  await Promise.all(opened.map((counters) => counters.close()));
});

describe.each([
  ['in memory', () => createLimitCounters()],
  ['in Redis', (prefix: string) => createLimitCounters({ redisUrl, keyPrefix: prefix })],
] as const)('the login throttle, counting %s', (_where, open) => {
  const counters = async (prefix = `test:${randomUUID()}:`) => {
    const made = open(prefix);
    opened.push(made);
    expect(await made.ready()).toBe(true);
    return made;
  };

  it('makes each try past the free failures wait twice as long as the one before, for that client only', async () => {
    const throttle = createLoginThrottle(settings, await counters());
    for (let i = 0; i < 2; i += 1) await expect(throttle.attempt('ada@x', 'attacker', wrong)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await refusal(throttle.attempt('ada@x', 'attacker', wrong))).retryAfterSeconds).toBe(1);
    // Even the right password waits: the wait is the pair's, not the guess's.
    await refusal(throttle.attempt('ada@x', 'attacker', right));
    // The owner, from their own client, is not slowed by the attacker's guesses.
    await expect(throttle.attempt('ada@x', 'owner', right)).resolves.toBe('signed in');

    await sleep(1_100);
    await expect(throttle.attempt('ada@x', 'attacker', wrong)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await refusal(throttle.attempt('ada@x', 'attacker', wrong))).retryAfterSeconds).toBe(2);
    await sleep(1_100);
    await refusal(throttle.attempt('ada@x', 'attacker', wrong));
  });

  it('keeps counting over windows longer than a Node.js timer holds, rather than forgetting at once', async () => {
    const month = 30 * 24 * 3_600_000;
    const long = { ...settings, maxFailuresPerClient: 2, clientWindowMs: month, failureMemoryMs: month, maxDelayMs: month };
    const throttle = createLoginThrottle(long, await counters());
    for (const account of ['a@x', 'b@x']) {
      await expect(throttle.attempt(account, 'guesser', wrong)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    await sleep(50); // A timer set beyond 2^31-1 ms fires after 1 ms: by now it would have emptied the counters.
    await refusal(throttle.attempt('c@x', 'guesser', wrong));
  });

  it('clears a pair’s failures on success, and does not count errors that are not wrong credentials', async () => {
    const throttle = createLoginThrottle(settings, await counters());
    const broken = () => Promise.reject(new Error('database away'));
    for (let round = 0; round < 3; round += 1) {
      await expect(throttle.attempt('ada@x', 'laptop', wrong)).rejects.toBeInstanceOf(CodedError);
      for (let i = 0; i < 4; i += 1) await expect(throttle.attempt('ada@x', 'laptop', broken)).rejects.toThrow('database away');
      await expect(throttle.attempt('ada@x', 'laptop', right)).resolves.toBe('signed in');
    }
  });

  it('caps one client’s failures over many accounts until its window ends', async () => {
    const throttle = createLoginThrottle({ ...settings, maxFailuresPerClient: 3, clientWindowMs: 1_000 }, await counters());
    for (let i = 0; i < 3; i += 1) await expect(throttle.attempt(`u${i}@x`, 'sprayer', wrong)).rejects.toBeInstanceOf(CodedError);
    await refusal(throttle.attempt('u9@x', 'sprayer', right));
    await expect(throttle.attempt('u9@x', 'someone-else', right)).resolves.toBe('signed in');
    await sleep(1_100);
    await expect(throttle.attempt('u9@x', 'sprayer', right)).resolves.toBe('signed in');
  });

  it('counts a burst of concurrent guesses before checking them: one gated guess past the free ones', async () => {
    const throttle = createLoginThrottle(settings, await counters());
    const slowWrong = () => sleep(50).then(wrong);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => throttle.attempt('ada@x', 'burst', slowWrong)));
    const tried = outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof CodedError && !(outcome.reason instanceof ThrottledError));
    expect(tried).toHaveLength(settings.freeFailures + 1);
  });
});

describe('the login throttle in Redis, across gateways', () => {
  it('shares one pair’s failures between two gateways on one Redis', async () => {
    const prefix = `test:${randomUUID()}:`;
    const [one, two] = [createLimitCounters({ redisUrl, keyPrefix: prefix }), createLimitCounters({ redisUrl, keyPrefix: prefix })];
    opened.push(one, two);
    expect(await Promise.all([one.ready(), two.ready()])).toEqual([true, true]);
    const [first, second] = [createLoginThrottle(settings, one), createLoginThrottle(settings, two)];
    await expect(first.attempt('ada@x', 'attacker', wrong)).rejects.toBeInstanceOf(CodedError);
    await expect(second.attempt('ada@x', 'attacker', wrong)).rejects.toBeInstanceOf(CodedError);
    await refusal(first.attempt('ada@x', 'attacker', wrong));
    await refusal(second.attempt('ada@x', 'attacker', wrong));
  });

  it('keeps throttling in memory while Redis is away, rather than failing logins', async () => {
    const away = createLimitCounters({ redisUrl: 'redis://127.0.0.1:9', keyPrefix: `test:${randomUUID()}:` });
    opened.push(away);
    expect(await away.ready(200)).toBe(false);
    const throttle = createLoginThrottle(settings, away);
    for (let i = 0; i < 2; i += 1) await expect(throttle.attempt('ada@x', 'attacker', wrong)).rejects.toBeInstanceOf(CodedError);
    await refusal(throttle.attempt('ada@x', 'attacker', wrong));
    await expect(throttle.attempt('ada@x', 'owner', right)).resolves.toBe('signed in');
  });
});
