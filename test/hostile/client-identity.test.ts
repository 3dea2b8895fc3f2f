import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { expectOrderlyAnswer, json, signIn, startHostileGateway, type HostileGateway, type JsonResponse } from './hostile-harness';

/**
 * Who a request is from, behind proxies: the gateway served over real HTTP on loopback, the test standing in for the
 * proxy in front of it (its requests come from 127.0.0.1 or ::1 and carry X-Forwarded-For).
 */
interface Served {
  gateway: HostileGateway;
  /** A request over HTTP, as the proxy at the socket's end sends it with `forwardedFor`. */
  send(path: string, forwardedFor?: string, init?: RequestInit): Promise<JsonResponse>;
  close(): Promise<void>;
}

async function serveGateway(env: Record<string, string>, hostname = '127.0.0.1'): Promise<Served> {
  const gateway = await startHostileGateway({ env });
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: gateway.app.fetch, port: 0, hostname }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  const base = hostname.includes(':') ? `http://[${hostname}]:${port}` : `http://${hostname}:${port}`;
  return {
    gateway,
    send: async (path, forwardedFor, init = {}) => {
      const headers = new Headers(init.headers);
      if (forwardedFor !== undefined) headers.set('x-forwarded-for', forwardedFor);
      return (await fetch(`${base}${path}`, { ...init, headers })) as unknown as JsonResponse;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

let signIns = 0;

/** Registers and signs in a fresh user over HTTP, from an address of its own behind the proxy. */
function signInBehindProxy(served: Served) {
  signIns += 1;
  const address = `192.0.2.${signIns}`;
  return signIn({ ...served.gateway, request: (path, init) => served.send(path, address, init) });
}

const statuses = async (answers: Promise<JsonResponse>[]) => {
  const settled = await Promise.all(answers);
  return Promise.all(settled.map(async (answer) => (await expectOrderlyAnswer(answer), answer.status)));
};

/** `count` requests one after another (a budget is counted in order). */
async function sequence(count: number, request: (index: number) => Promise<JsonResponse>): Promise<number[]> {
  const found: number[] = [];
  for (let index = 0; index < count; index += 1) found.push(...(await statuses([request(index)])));
  return found;
}

describe('behind a trusted proxy (TRUSTED_PROXIES=127.0.0.1), over HTTP', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serveGateway({ TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => served.close());

  it('gives two clients behind the proxy a budget each: one client’s 429 never touches the other', async () => {
    expect(await sequence(5, () => served.send('/products', '203.0.113.1'))).toEqual([200, 200, 200, 200, 200]);
    const limited = await served.send('/products', '203.0.113.1');
    expect((await expectOrderlyAnswer(limited, [429])).error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const other = await served.send('/products', '203.0.113.2');
    await expectOrderlyAnswer(other, [200]);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
    expect(await sequence(4, () => served.send('/products', '203.0.113.2'))).toEqual([200, 200, 200, 200]);
  });

  it('keys a chain "spoofed, client, proxy" by the client: rotating the spoofed part does not escape the limit', async () => {
    const chain = (spoofed: number) => `198.51.100.${spoofed}, 203.0.113.3, 127.0.0.1`;
    expect(await sequence(5, (index) => served.send('/products', chain(index)))).toEqual([200, 200, 200, 200, 200]);
    await expectOrderlyAnswer(await served.send('/products', chain(99)), [429]);
    // The same client through one hop less is the same client.
    await expectOrderlyAnswer(await served.send('/products', '203.0.113.3'), [429]);
  });

  it('keys a malformed header by the last address a trusted hop vouched for, without a 5xx', async () => {
    // Each of these leaves the proxy itself (127.0.0.1) as the client: rotating garbage buys nothing.
    const garbage = (index: number) => [`not-an-address-${index}`, `203.0.113.4, junk${index}`, `${','.repeat(index)}`, `203.0.113.4:${index}`][index % 4];
    const answers = await sequence(5, (index) => served.send('/products', garbage(index)));
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    await expectOrderlyAnswer(await served.send('/products', `x${'y'.repeat(4000)}`), [429]);
    await expectOrderlyAnswer(await served.send('/products'), [429]);
    // Garbage to the left of a real client stays left of the walk: the client is still its own.
    await expectOrderlyAnswer(await served.send('/products', 'garbage, 203.0.113.5'), [200]);
  });

  it('counts a signed-in user across every address they use, with the same limit', async () => {
    const user = await signInBehindProxy(served);
    const spread = (index: number) => served.send('/auth/me', `203.0.113.${100 + index}`, { headers: user.headers });
    expect(await sequence(5, spread)).toEqual([200, 200, 200, 200, 200]);
    const limited = await spread(5);
    const answer = await expectOrderlyAnswer(limited, [429]);
    expect(answer.error.code).toBe('RATE_LIMITED');
    expect(answer.error.message).toContain('user');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The user's budget is theirs alone: another user, and anyone signed out, from the same addresses get through.
    const other = await signInBehindProxy(served);
    await expectOrderlyAnswer(await served.send('/auth/me', '203.0.113.100', { headers: other.headers }), [200]);
    await expectOrderlyAnswer(await served.send('/products', '203.0.113.101'), [200]);
    // And probes are never limited, whoever asks.
    await expectOrderlyAnswer(await served.send('/health', '203.0.113.1'), [200]);
  });

  it('shows the smaller of the client’s and the user’s budgets in RateLimit-Remaining', async () => {
    const user = await signInBehindProxy(served);
    await expectOrderlyAnswer(await served.send('/auth/me', '203.0.113.200', { headers: user.headers }), [200]);
    await expectOrderlyAnswer(await served.send('/auth/me', '203.0.113.200', { headers: user.headers }), [200]);
    // The fresh address has 4 left; the user, 2.
    const third = await served.send('/auth/me', '203.0.113.201', { headers: user.headers });
    await expectOrderlyAnswer(third, [200]);
    expect(third.headers.get('ratelimit-remaining')).toBe('2');
  });
});

describe('failed logins behind a trusted proxy, over HTTP', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serveGateway({
      TRUSTED_PROXIES: '127.0.0.1',
      LOGIN_FREE_FAILURES: '3',
      LOGIN_FAILURE_MEMORY: '15m',
      LOGIN_MAX_FAILURES_PER_CLIENT: '6',
      LOGIN_CLIENT_WINDOW: '1m',
    });
  });
  afterAll(() => served.close());

  const login = (email: string, password: string, client: string) =>
    served.send('/auth/login', client, { method: 'POST', ...json({ email, password }) });

  it('never lock another client out of an account: the guesser waits, the owner elsewhere gets in', async () => {
    const account = await signInBehindProxy(served);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expectOrderlyAnswer(await login(account.email, `wrong ${attempt}`, '203.0.113.10'), [401]);
    }
    await expectOrderlyAnswer(await login(account.email, account.password, '203.0.113.10'), [429]);
    await expectOrderlyAnswer(await login(account.email, account.password, '203.0.113.11'), [200]);
  });

  it('cap one client’s failures across accounts without touching another client', async () => {
    const accounts = await Promise.all([1, 2, 3].map(() => signInBehindProxy(served)));
    for (const account of [...accounts, ...accounts]) {
      await expectOrderlyAnswer(await login(account.email, 'wrong', '203.0.113.20'), [401]);
    }
    await expectOrderlyAnswer(await login(accounts[0].email, accounts[0].password, '203.0.113.20'), [429]);
    // Rotating what it claims to the left of itself does not help the guesser.
    await expectOrderlyAnswer(await login(accounts[0].email, accounts[0].password, '198.51.100.1, 203.0.113.20'), [429]);
    await expectOrderlyAnswer(await login(accounts[0].email, accounts[0].password, '203.0.113.21'), [200]);
  });
});

describe('from a peer that is not a trusted proxy, over HTTP', () => {
  it.each([
    ['none is trusted (the default)', {}],
    ['another range is trusted', { TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' }],
  ])('ignores a spoofed X-Forwarded-For when %s: rotating values do not escape the limit', async (_when, env) => {
    const served = await serveGateway({ ...env, RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const spoofed = (index: number) => served.send('/products', [`203.0.113.${index}`, '10.0.0.1', `198.51.100.${index}, 10.0.0.1`][index % 3]);
      expect(await sequence(3, spoofed)).toEqual([200, 200, 200]);
      await expectOrderlyAnswer(await spoofed(3), [429]);
      await expectOrderlyAnswer(await served.send('/products'), [429]);
    } finally {
      await served.close();
    }
  });

  it('ignores a spoofed X-Forwarded-For at the login throttle too', async () => {
    const served = await serveGateway({ LOGIN_FREE_FAILURES: '2', LOGIN_MAX_FAILURES_PER_CLIENT: '1000' });
    try {
      const account = await signIn(served.gateway);
      const login = (password: string, claimed: string) =>
        served.send('/auth/login', claimed, { method: 'POST', ...json({ email: account.email, password }) });
      await expectOrderlyAnswer(await login('wrong', '203.0.113.30'), [401]);
      await expectOrderlyAnswer(await login('wrong', '203.0.113.31'), [401]);
      await expectOrderlyAnswer(await login(account.password, '203.0.113.32'), [429]);
    } finally {
      await served.close();
    }
  });
});

describe('IPv6 and ranges', () => {
  it('trusts a proxy on ::1 by a range and tells its IPv6 clients apart, however they are spelled', async () => {
    const served = await serveGateway({ TRUSTED_PROXIES: '::1/128, 10.0.0.0/8', RATE_LIMIT_PER_MINUTE: '2' }, '::1');
    try {
      // ::1 forwards for a proxy in 10/8, which forwards for the client.
      expect(await statuses([served.send('/products', '2001:db8::7, 10.1.2.3'), served.send('/products', '2001:DB8:0::7')])).toEqual([
        200, 200,
      ]);
      await expectOrderlyAnswer(await served.send('/products', '2001:db8:0:0:0:0:0:7'), [429]);
      await expectOrderlyAnswer(await served.send('/products', '2001:db8:0:100::7'), [200]);
      // An IPv4-mapped client is the IPv4 client.
      await expectOrderlyAnswer(await served.send('/products', '::ffff:203.0.113.40'), [200]);
      await expectOrderlyAnswer(await served.send('/products', '203.0.113.40'), [200]);
      await expectOrderlyAnswer(await served.send('/products', '::ffff:cb00:7128'), [429]);
    } finally {
      await served.close();
    }
  });

  it('counts one IPv6 network (CLIENT_IPV6_PREFIX, /56 by default) as one client: new addresses in it do not escape', async () => {
    const served = await serveGateway({ TRUSTED_PROXIES: '::1', RATE_LIMIT_PER_MINUTE: '3' }, '::1');
    try {
      const inNetwork = (index: number) => served.send('/products', `2001:db8:1:2${index}::${index + 1}`);
      expect(await sequence(3, inNetwork)).toEqual([200, 200, 200]);
      await expectOrderlyAnswer(await inNetwork(7), [429]);
      await expectOrderlyAnswer(await served.send('/products', '2001:db8:1:ff::1'), [429]);
      // The next /56 is another client.
      await expectOrderlyAnswer(await served.send('/products', '2001:db8:1:300::1'), [200]);
    } finally {
      await served.close();
    }
  });

  it('counts failed logins from one IPv6 network together', async () => {
    const served = await serveGateway({ TRUSTED_PROXIES: '::1', LOGIN_FREE_FAILURES: '2', LOGIN_MAX_FAILURES_PER_CLIENT: '1000' }, '::1');
    try {
      const account = await signIn(served.gateway);
      const login = (password: string, client: string) =>
        served.send('/auth/login', client, { method: 'POST', ...json({ email: account.email, password }) });
      await expectOrderlyAnswer(await login('wrong', '2001:db8:5:10::1'), [401]);
      await expectOrderlyAnswer(await login('wrong', '2001:db8:5:20::2'), [401]);
      await expectOrderlyAnswer(await login(account.password, '2001:db8:5:30::3'), [429]);
      await expectOrderlyAnswer(await login(account.password, '2001:db8:6::1'), [200]);
    } finally {
      await served.close();
    }
  });

  it('counts each IPv6 address by itself with CLIENT_IPV6_PREFIX=128', async () => {
    const served = await serveGateway({ TRUSTED_PROXIES: '::1', RATE_LIMIT_PER_MINUTE: '1', CLIENT_IPV6_PREFIX: '128' }, '::1');
    try {
      await expectOrderlyAnswer(await served.send('/products', '2001:db8::1'), [200]);
      await expectOrderlyAnswer(await served.send('/products', '2001:db8::1'), [429]);
      await expectOrderlyAnswer(await served.send('/products', '2001:db8::2'), [200]);
    } finally {
      await served.close();
    }
  });

  it('trusts an IPv4 proxy that a dual-stack socket reports as ::ffff:…', async () => {
    const gateway = await startHostileGateway({ env: { TRUSTED_PROXIES: '127.0.0.0/8', RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      const from = (forwardedFor: string) =>
        gateway.request('/products', { headers: { 'x-forwarded-for': forwardedFor } }, {
          incoming: { socket: { remoteAddress: '::ffff:127.0.0.1', remotePort: 1, remoteFamily: 'IPv6' } },
        });
      await expectOrderlyAnswer(await from('203.0.113.50'), [200]);
      await expectOrderlyAnswer(await from('203.0.113.51'), [200]);
      await expectOrderlyAnswer(await from('203.0.113.50'), [429]);
    } finally {
      await gateway.close();
    }
  });
});
