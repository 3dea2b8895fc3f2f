import { loadConfig, type Config } from '../../../config';
import type { LiveConfig } from '../../../config/live-config';
import { json, startGateway, unreachable, type Gateway } from './gateway-harness';

/** A LiveConfig the test changes by hand, as a KV change would. */
function adjustableConfig(env: Record<string, string>) {
  let current = loadConfig({ SUPPLIER_URL: unreachable, CARRIER_URL: unreachable, ...env });
  const listeners = new Set<(config: Config, changed: string[]) => void>();
  const live: LiveConfig & { set(env: Record<string, string>): void } = {
    current: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => undefined,
    set(next) {
      current = loadConfig({ SUPPLIER_URL: unreachable, CARRIER_URL: unreachable, ...next });
      for (const listener of listeners) listener(current, ['changed']);
    },
  };
  return live;
}

describe('the gateway under live settings', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('applies a changed RATE_LIMIT_PER_MINUTE to the next request', async () => {
    const live = adjustableConfig({ RATE_LIMIT_PER_MINUTE: '3' });
    gateway = await startGateway({}, { live });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await gateway.request('/products')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    live.set({ RATE_LIMIT_PER_MINUTE: '50' });
    const after = await gateway.request('/products');
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit-limit')).toBe('50');
  });

  it('applies changed LOGIN_* settings to the logins after the change', async () => {
    const live = adjustableConfig({ RATE_LIMIT_PER_MINUTE: '10000', LOGIN_FREE_FAILURES: '100' });
    gateway = await startGateway({}, { live });
    const wrong = () => gateway!.request('/auth/login', { method: 'POST', ...json({ email: 'nobody@example.com', password: 'wrong-password' }) });
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(401);
    live.set({ RATE_LIMIT_PER_MINUTE: '10000', LOGIN_FREE_FAILURES: '0' });
    expect((await wrong()).status).toBe(401);
    // No free failures any more: the next try has to wait.
    expect((await wrong()).status).toBe(429);
  });
});
