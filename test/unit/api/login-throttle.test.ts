import { createLoginThrottle } from '../../../api/auth/login-throttle';
import { ThrottledError } from '../../../api/errors';
import { CodedError } from '../../../contracts/errors';

const settings = { maxFailuresPerAccount: 3, accountWindowMs: 60_000, maxFailuresPerClient: 5, clientWindowMs: 10_000 };
const wrong = () => Promise.reject(new CodedError('INVALID_CREDENTIALS', 'Wrong email or password'));
const right = () => Promise.resolve('signed in');

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the login throttle', () => {
  it('refuses an account past its failures with the seconds left in its window', async () => {
    const time = clock();
    const throttle = createLoginThrottle(settings, time.now);
    for (let i = 0; i < 3; i += 1) await expect(throttle.attempt('a@x', `c${i}`, wrong)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    time.advance(20_000);
    const refusal = await throttle.attempt('a@x', 'c9', right).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ThrottledError);
    expect((refusal as ThrottledError).retryAfterSeconds).toBe(40);
    time.advance(40_000);
    await expect(throttle.attempt('a@x', 'c9', right)).resolves.toBe('signed in');
  });

  it('refuses a client past its failures over many accounts, until its window ends', async () => {
    const time = clock();
    const throttle = createLoginThrottle(settings, time.now);
    for (let i = 0; i < 5; i += 1) await expect(throttle.attempt(`u${i}@x`, 'c', wrong)).rejects.toBeInstanceOf(CodedError);
    await expect(throttle.attempt('u9@x', 'c', right)).rejects.toBeInstanceOf(ThrottledError);
    await expect(throttle.attempt('u9@x', 'other', right)).resolves.toBe('signed in');
    time.advance(10_000);
    await expect(throttle.attempt('u9@x', 'c', right)).resolves.toBe('signed in');
  });

  it('clears an account’s count on success, and does not count errors that are not wrong credentials', async () => {
    const throttle = createLoginThrottle(settings, clock().now);
    const broken = () => Promise.reject(new Error('database away'));
    for (let round = 0; round < 3; round += 1) {
      await expect(throttle.attempt('a@x', `c${round}`, wrong)).rejects.toBeInstanceOf(CodedError);
      await expect(throttle.attempt('a@x', `c${round}`, wrong)).rejects.toBeInstanceOf(CodedError);
      for (let i = 0; i < 5; i += 1) await expect(throttle.attempt('a@x', `c${round}`, broken)).rejects.toThrow('database away');
      await expect(throttle.attempt('a@x', `c${round}`, right)).resolves.toBe('signed in');
    }
  });

  it('starts a fresh window for every key once the old one is over', async () => {
    const time = clock();
    const throttle = createLoginThrottle(settings, time.now);
    for (let i = 0; i < 1000; i += 1) await throttle.attempt(`u${i}@x`, `c${i}`, wrong).catch(() => undefined);
    time.advance(60_001);
    // All windows over: a fresh start for everyone, the earliest included.
    for (let i = 0; i < 3; i += 1) await expect(throttle.attempt('u0@x', 'c0', wrong)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
