import fc from 'fast-check';
import { insertPurchaseInFlight } from '../unit/api/gateway-harness';
import { hostileString } from './arbitraries';
import {
  bearer,
  expectOrderlyAnswer,
  json,
  signIn,
  startHostileGateway,
  storeSnapshot,
  type HostileGateway,
} from './hostile-harness';

// Two clients, as @hono/node-server hands the socket to the app.
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address, remotePort: 1, remoteFamily: 'IPv4' } } });
const settings = (numRuns: number) => ({ numRuns, endOnFailure: true });

describe('tokens', () => {
  let gateway: HostileGateway;
  let victim: Awaited<ReturnType<typeof signIn>>;
  beforeAll(async () => {
    gateway = await startHostileGateway({ env: { SESSION_TTL: '1h' } });
    victim = await signIn(gateway);
  });
  afterAll(() => gateway.close());

  const protectedReads = ['/auth/me', '/purchases', `/purchases/${crypto.randomUUID()}`, '/inventory/SKU-1'];
  const tokenAlphabet = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567'.split(''));
  const base32 = (length: number) => fc.array(tokenAlphabet, { minLength: length, maxLength: length }).map((chars) => chars.join(''));

  it('answers 401 UNAUTHORIZED to guessed tokens of any form', async () => {
    const guess = fc.oneof(
      fc.tuple(base32(32), base32(32)).map(([id, secret]) => `${id}.${secret}`),
      hostileString.filter((text) => /^[\x21-\x7e]+$/.test(text)),
      fc.stringMatching(/^[\x21-\x7e]{1,300}$/),
      fc.constantFrom('.', '..', 'a.', '.a', 'null', 'undefined', '[object Object]', "' OR '1'='1", '*'),
    );
    await fc.assert(
      fc.asyncProperty(guess, fc.constantFrom(...protectedReads), async (token, path) => {
        const answer = await expectOrderlyAnswer(await gateway.request(path, { headers: bearer(token) }), [401]);
        expect(answer.error.code).toBe('UNAUTHORIZED');
      }),
      settings(100),
    );
  });

  it('answers 401 to the victim’s session id with any other secret, truncated, extended or reshaped', async () => {
    const [id, secret] = victim.token.split('.');
    const forged = fc.oneof(
      base32(secret.length).filter((other) => other !== secret).map((other) => `${id}.${other}`),
      fc.integer({ min: 0, max: secret.length - 1 }).map((length) => `${id}.${secret.slice(0, length)}`),
      base32(4).map((extra) => `${id}.${secret}${extra}`),
      fc.constantFrom(id, `${id}.`, `.${secret}`, `${secret}.${id}`, `${id}.${secret}.${secret}`, `${id.toUpperCase()}.${secret.toUpperCase()}`),
    );
    await fc.assert(
      fc.asyncProperty(forged, async (token) => {
        expect((await gateway.request('/auth/me', { headers: bearer(token) })).status).toBe(401);
      }),
      settings(60),
    );
    // The real token still works: none of the forgeries harmed it.
    expect((await gateway.request('/auth/me', { headers: victim.headers })).status).toBe(200);
  });

  it('answers 401 to any header that is not "Bearer <token>"', async () => {
    for (const authorization of [victim.token, `Basic ${victim.token}`, `Bearer`, `Bearer ${victim.token} extra`, `Token ${victim.token}`]) {
      const answer = await expectOrderlyAnswer(await gateway.request('/auth/me', { headers: { authorization } }), [401]);
      expect(answer.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses the token of a logged-out session everywhere, and a second logout', async () => {
    const session = await signIn(gateway);
    expect((await gateway.request('/auth/logout', { method: 'POST', headers: session.headers })).status).toBe(204);
    for (const path of protectedReads) {
      await expectOrderlyAnswer(await gateway.request(path, { headers: session.headers }), [401]);
    }
    await expectOrderlyAnswer(await gateway.request('/auth/logout', { method: 'POST', headers: session.headers }), [401]);
    await expectOrderlyAnswer(
      await gateway.request('/purchases', { method: 'POST', ...json({ items: [] }, session.headers) }),
      [401],
    );
  });

  it('refuses the token of an expired session, however recently it expired', async () => {
    for (const agoMs of [1, 1_000, 86_400_000]) {
      const session = await signIn(gateway);
      const id = session.token.split('.')[0];
      await gateway.store.session.update({ where: { id }, data: { expiresAt: new Date(Date.now() - agoMs) } });
      await expectOrderlyAnswer(await gateway.request('/auth/me', { headers: session.headers }), [401]);
      expect(await gateway.store.session.findUnique({ where: { id } })).toBeNull();
    }
  });

  it('forgets a user’s sessions with the user: a deleted account’s token no longer works', async () => {
    const session = await signIn(gateway);
    await gateway.store.session.deleteMany({ where: { userId: session.user.id } });
    await gateway.store.user.delete({ where: { id: session.user.id } });
    await expectOrderlyAnswer(await gateway.request('/auth/me', { headers: session.headers }), [401]);
  });
});

describe('other users’ purchases', () => {
  let gateway: HostileGateway;
  beforeAll(async () => {
    gateway = await startHostileGateway();
  });
  afterAll(() => gateway.close());

  it('answers 404 NOT_FOUND, never 403, to another user’s purchase id, read or cancel, exactly as to a missing one', async () => {
    const owner = await signIn(gateway);
    const ids = await Promise.all([1, 2, 3].map(() => insertPurchaseInFlight(gateway.store, owner.user.id)));
    const intruder = await signIn(gateway);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ids, crypto.randomUUID()), fc.boolean(), async (id, cancel) => {
        const response = cancel
          ? await gateway.request(`/purchases/${id}/cancel`, { method: 'POST', headers: intruder.headers })
          : await gateway.request(`/purchases/${id}`, { headers: intruder.headers });
        const answer = await expectOrderlyAnswer(response, [404]);
        expect(answer).toEqual({ error: { code: 'NOT_FOUND', message: `No purchase ${id}` } });
      }),
      settings(20),
    );
    const listed = await (await gateway.request('/purchases', { headers: intruder.headers })).json();
    expect(listed.items).toEqual([]);
    // Nothing about them changed.
    const rows = await gateway.store.purchase.findMany({ where: { id: { in: ids } } });
    expect(rows).toHaveLength(ids.length);
    for (const row of rows) expect(row).toMatchObject({ status: 'ORDER_REQUESTED', userId: owner.user.id });
  });
});

describe('role escalation', () => {
  let gateway: HostileGateway;
  beforeAll(async () => {
    gateway = await startHostileGateway();
  });
  afterAll(() => gateway.close());

  const escalation = fc.record({
    key: fc.constantFrom('role', 'Role', 'ROLE', 'roles', 'isAdmin', 'admin', 'user', 'passwordHash', 'id'),
    value: fc.oneof(fc.constantFrom('ADMIN', 'admin', ['ADMIN'], true, 1, { role: 'ADMIN' }), fc.jsonValue({ maxDepth: 2 })),
  });

  it('answers 400 to any register body carrying a role or other account field, and creates no user', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(escalation, async ({ key, value }) => {
        n += 1;
        const email = `escalate${n}@example.com`;
        const before = await storeSnapshot(gateway);
        const answer = await expectOrderlyAnswer(
          await gateway.request('/auth/register', {
            method: 'POST',
            ...json({ email, password: 'a long password', [key]: value }),
          }),
          [400],
        );
        expect(answer.error.code).toBe('VALIDATION_FAILED');
        expect(JSON.stringify(answer.error.details)).toContain(key);
        expect(await storeSnapshot(gateway)).toEqual(before);
      }),
      settings(30),
    );
    expect(await gateway.store.user.count({ where: { role: 'ADMIN' } })).toBe(0);
  });

  it('offers no route that changes one’s own account: PATCH or PUT on /auth/me is 404', async () => {
    const session = await signIn(gateway);
    // DELETE /auth/me is the customer's erasure, which changes no role (test/e2e/erasure.test.ts).
    for (const method of ['PATCH', 'PUT', 'POST']) {
      const response = await gateway.request('/auth/me', { method, ...json({ role: 'ADMIN' }, session.headers) });
      await expectOrderlyAnswer(response, [404]);
    }
    for (const path of ['/users/me', `/users/${session.user.id}`, '/auth/role', '/admin']) {
      await expectOrderlyAnswer(await gateway.request(path, { method: 'PATCH', ...json({ role: 'ADMIN' }, session.headers) }), [404]);
    }
    const me = await (await gateway.request('/auth/me', { headers: session.headers })).json();
    expect(me.user.role).toBe('USER');
  });

  it('keeps a USER out of every ADMIN route with 403, changing nothing', async () => {
    const session = await signIn(gateway);
    const other = await signIn(gateway);
    const before = await storeSnapshot(gateway);
    const attempts: [string, string, unknown?][] = [
      ['POST', '/products', { sku: 'ESC-1', name: 'x', priceCents: 1 }],
      ['PATCH', '/products/SKU-1', { priceCents: 0 }],
      ['DELETE', '/products/SKU-1'],
      ['PUT', '/inventory/SKU-1', { available: 0 }],
      ['GET', '/inventory/SKU-1'],
      ['GET', '/deliveries/d-1'],
      ['DELETE', `/users/${other.user.id}`],
      ['GET', '/erasures/erasure-someone'],
    ];
    for (const [method, path, body] of attempts) {
      const init = body === undefined ? { method, headers: session.headers } : { method, ...json(body, session.headers) };
      const answer = await expectOrderlyAnswer(await gateway.request(path, init), [403]);
      expect(answer.error.code).toBe('FORBIDDEN');
    }
    expect(await storeSnapshot(gateway)).toEqual(before);
  });
});

describe('login throttling', () => {
  let gateway: HostileGateway;
  beforeAll(async () => {
    gateway = await startHostileGateway({
      env: { LOGIN_FREE_FAILURES: '5', LOGIN_FAILURE_MEMORY: '15m', LOGIN_MAX_FAILURES_PER_CLIENT: '20', LOGIN_CLIENT_WINDOW: '1m' },
    });
  });
  afterAll(() => gateway.close());

  const login = (email: string, password: string, client: string) =>
    gateway.request('/auth/login', { method: 'POST', ...json({ email, password }) }, from(client));

  it('slows a client after 5 failures on an account, even for the right password, while the owner gets in from elsewhere', async () => {
    const account = await signIn(gateway);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const answer = await expectOrderlyAnswer(await login(account.email, `wrong ${attempt}`, '10.1.0.1'), [401]);
      expect(answer.error.code).toBe('INVALID_CREDENTIALS');
    }
    const response = await login(account.email, account.password, '10.1.0.1');
    const answer = await expectOrderlyAnswer(response, [429]);
    expect(answer.error.code).toBe('RATE_LIMITED');
    expect(Number(response.headers.get('retry-after'))).toBe(1);
    // The wait is the account's from that client: the same email in another case is the same account.
    await expectOrderlyAnswer(await login(account.email.toUpperCase(), account.password, '10.1.0.1'), [429]);
    // The guesses lock nobody out: the owner, from another client, gets in; open sessions are not affected.
    await expectOrderlyAnswer(await login(account.email, account.password, '10.1.0.2'), [200]);
    expect((await gateway.request('/auth/me', { headers: account.headers })).status).toBe(200);
  });

  it('slows guesses at unknown emails the same way, so that a wait does not tell which emails exist', async () => {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await expectOrderlyAnswer(await login('ghost@example.com', 'guess', '10.2.0.1'), [401]);
    }
    await expectOrderlyAnswer(await login('ghost@example.com', 'guess', '10.2.0.1'), [429]);
  });

  it('resets the count of an account and client on a successful login', async () => {
    const account = await signIn(gateway);
    for (let round = 0; round < 3; round += 1) {
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        await expectOrderlyAnswer(await login(account.email, 'wrong', '10.3.0.1'), [401]);
      }
      await expectOrderlyAnswer(await login(account.email, account.password, '10.3.0.1'), [200]);
    }
  });

  it('limits one client to 20 failed logins a minute across accounts, without locking the accounts for others', async () => {
    const accounts = await Promise.all([1, 2, 3, 4, 5].map(() => signIn(gateway)));
    let failures = 0;
    for (let round = 0; round < 4; round += 1) {
      for (const account of accounts) {
        await expectOrderlyAnswer(await login(account.email, `wrong ${round}`, '10.4.0.1'), [401]);
        failures += 1;
      }
    }
    expect(failures).toBe(20);
    const blocked = await login(accounts[4].email, 'wrong again', '10.4.0.1');
    await expectOrderlyAnswer(blocked, [429]);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // Even with the right password: the client is throttled, not the guess.
    await expectOrderlyAnswer(await login(accounts[0].email, accounts[0].password, '10.4.0.1'), [429]);
    // Each account took 4 failures: below its own limit, so its owner elsewhere gets in.
    await expectOrderlyAnswer(await login(accounts[0].email, accounts[0].password, '10.4.0.2'), [200]);
  });

  it('counts concurrent guesses before checking them, so that a burst from one client cannot slip past the wait', async () => {
    const account = await signIn(gateway);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, attempt) => login(account.email, `burst ${attempt}`, '10.5.0.1')));
    const statuses = answers.map((response) => response.status);
    // The five free failures and one try past them; the rest wait.
    expect(statuses.filter((status) => status === 401)).toHaveLength(6);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
  });

  it('does not count invalid bodies as failed logins', async () => {
    const account = await signIn(gateway);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await expectOrderlyAnswer(
        await gateway.request('/auth/login', { method: 'POST', ...json({ email: account.email }) }, from('10.6.0.1')),
        [400],
      );
    }
    await expectOrderlyAnswer(await login(account.email, account.password, '10.6.0.1'), [200]);
  });
});
