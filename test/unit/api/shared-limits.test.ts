import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../../../api/app';
import { createLimitCounters, type LimitCounters } from '../../../api/limits';
import { loadConfig } from '../../../config';
import { json, signIn, startGateway, unreachable, unreachableTemporal, type Gateway, type JsonResponse } from './gateway-harness';

/**
 * Two gateway instances on one store, as behind a load balancer. With their counters in one Redis (REDIS_URL) they
 * enforce one request limit and one login throttle between them; in memory, each counts alone.
 */
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const env = { RATE_LIMIT_PER_MINUTE: '10', LOGIN_FREE_FAILURES: '3', LOGIN_MAX_FAILURES_PER_CLIENT: '1000' };
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address, remotePort: 1, remoteFamily: 'IPv4' } } });

async function twoGateways(counters: () => LimitCounters) {
  const made = [counters(), counters()];
  await Promise.all(made.map((one) => one.ready()));
  const first = await startGateway(env, { limits: made[0] });
  const connection = unreachableTemporal();
  const app = createApp({
    config: loadConfig({ SUPPLIER_URL: unreachable, CARRIER_URL: unreachable, ...env }),
    store: first.store,
    temporal: new Client({ connection }),
    logger: pino({ level: 'silent' }),
    temporalTimeoutMs: 500,
    limits: made[1],
  });
  const second: Pick<Gateway, 'request'> = {
    request: async (path, init, bindings) => (await app.request(path, init, bindings)) as unknown as JsonResponse,
  };
  return {
    first,
    second,
    async close() {
      await connection.close();
      await first.close();
      await Promise.all(made.map((one) => one.close()));
    },
  };
}

describe('two gateways whose counters live in one Redis', () => {
  let gateways: Awaited<ReturnType<typeof twoGateways>>;
  beforeAll(async () => {
    const prefix = `test:${randomUUID()}:`;
    gateways = await twoGateways(() => createLimitCounters({ redisUrl, keyPrefix: prefix }));
  });
  afterAll(() => gateways.close());

  it('share one request limit: a client gets 10 requests a minute in all, whichever gateway answers', async () => {
    const { first, second } = gateways;
    for (let i = 0; i < 10; i += 1) {
      expect((await (i % 2 === 0 ? first : second).request('/products', {}, from('10.7.0.1'))).status).toBe(200);
    }
    for (const gateway of [first, second]) {
      const limited = await gateway.request('/products', {}, from('10.7.0.1'));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await second.request('/products', {}, from('10.7.0.2'))).status).toBe(200);
  });

  it('slow an attacker guessing on both, while the owner logs in from their own client', async () => {
    const { first, second } = gateways;
    const owner = await signIn(first);
    const login = (gateway: Pick<Gateway, 'request'>, password: string, client: string) =>
      gateway.request('/auth/login', { method: 'POST', ...json({ email: owner.email, password }) }, from(client));
    expect((await login(first, 'guess 1', '10.8.0.66')).status).toBe(401);
    expect((await login(second, 'guess 2', '10.8.0.66')).status).toBe(401);
    expect((await login(first, 'guess 3', '10.8.0.66')).status).toBe(401);
    // The fourth try from the attacker's client waits, on either gateway, even with the right password.
    const waiting = await login(second, owner.password, '10.8.0.66');
    expect(waiting.status).toBe(429);
    expect(Number(waiting.headers.get('retry-after'))).toBe(1);
    expect((await login(first, 'guess 4', '10.8.0.66')).status).toBe(429);
    // The owner is not locked out by someone else's guesses.
    expect((await login(second, owner.password, '10.8.0.7')).status).toBe(200);
    expect((await login(first, owner.password, '10.8.0.7')).status).toBe(200);
  });
});

describe('two gateways counting in memory', () => {
  let gateways: Awaited<ReturnType<typeof twoGateways>>;
  beforeAll(async () => {
    gateways = await twoGateways(() => createLimitCounters());
  });
  afterAll(() => gateways.close());

  it('each count alone: a client gets 10 requests a minute from each', async () => {
    for (const gateway of [gateways.first, gateways.second]) {
      for (let i = 0; i < 10; i += 1) expect((await gateway.request('/products', {}, from('10.9.0.1'))).status).toBe(200);
    }
    expect((await gateways.first.request('/products', {}, from('10.9.0.1'))).status).toBe(429);
  });
});
