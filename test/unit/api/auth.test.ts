import { bearer, json, signIn, startGateway, type Gateway } from './gateway-harness';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ SESSION_TTL: '1h' });
});
afterAll(() => gateway.close());

const request = (path: string, init?: RequestInit) => gateway.request(path, init);

describe('registration', () => {
  it('creates a USER and never answers the password hash', async () => {
    const response = await request('/auth/register', {
      method: 'POST',
      ...json({ email: 'Ada@Example.com', password: 'a long password', name: 'Ada' }),
    });
    expect(response.status).toBe(201);
    const { user } = await response.json();
    expect(user).toEqual({ id: expect.any(String), email: 'ada@example.com', name: 'Ada', role: 'USER' });
    expect(JSON.stringify(user)).not.toContain('password');
  });

  it('answers 409 EMAIL_TAKEN for an email already registered, whatever its case', async () => {
    await request('/auth/register', { method: 'POST', ...json({ email: 'grace@example.com', password: 'a long password' }) });
    const response = await request('/auth/register', {
      method: 'POST',
      ...json({ email: 'GRACE@example.com', password: 'another password' }),
    });
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe('EMAIL_TAKEN');
  });

  it('refuses a role in the body with 400 instead of making an ADMIN', async () => {
    const response = await request('/auth/register', {
      method: 'POST',
      ...json({ email: 'mallory@example.com', password: 'a long password', role: 'ADMIN' }),
    });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(error.details)).toContain('role');
    expect(await gateway.store.user.findUnique({ where: { email: 'mallory@example.com' } })).toBeNull();
  });

  it('lists each invalid field by path', async () => {
    const response = await request('/auth/register', { method: 'POST', ...json({ email: 'not-an-email', password: 'short' }) });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.details.map((detail: { path: string }) => detail.path).sort()).toEqual(['email', 'password']);
    expect(error.details.every((detail: { message: unknown }) => typeof detail.message === 'string')).toBe(true);
  });

  it('answers 400 VALIDATION_FAILED for malformed JSON', async () => {
    const response = await request('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": ',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 400 VALIDATION_FAILED for a body that is not JSON', async () => {
    const response = await request('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'email=a@b.c',
    });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/application\/json/);
  });
});

describe('login', () => {
  it('answers a token, its expiry and the user', async () => {
    const session = await signIn(gateway);
    expect(session.token).toMatch(/^[a-z2-7]+\.[a-z2-7]+$/);
    expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(session.user.role).toBe('USER');
  });

  it('gives the same 401 for a wrong password and for an unknown email', async () => {
    const { email } = await signIn(gateway);
    const wrongPassword = await request('/auth/login', { method: 'POST', ...json({ email, password: 'wrong password' }) });
    const unknownEmail = await request('/auth/login', {
      method: 'POST',
      ...json({ email: 'nobody@example.com', password: 'wrong password' }),
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(await wrongPassword.json()).toEqual(await unknownEmail.json());
  });

  it('stores only the hash of the token secret', async () => {
    const { token } = await signIn(gateway);
    const [id, secret] = token.split('.');
    const row = await gateway.store.session.findUniqueOrThrow({ where: { id } });
    expect(Buffer.from(row.secretHash).toString('utf8')).not.toContain(secret);
    expect(row.secretHash.length).toBe(32);
  });
});

describe('sessions', () => {
  it('answers the signed-in user on /auth/me', async () => {
    const session = await signIn(gateway);
    const response = await request('/auth/me', { headers: session.headers });
    expect(response.status).toBe(200);
    expect((await response.json()).user).toEqual(session.user);
  });

  it('answers 401 UNAUTHORIZED without a token', async () => {
    const response = await request('/auth/me');
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('UNAUTHORIZED');
  });

  it('answers 401 for a token whose secret was tampered with', async () => {
    const { token } = await signIn(gateway);
    const [id, secret] = token.split('.');
    const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    for (const candidate of [tampered, id, `${id}.`, 'garbage', `${token}.extra`]) {
      const response = await request('/auth/me', { headers: bearer(candidate) });
      expect(response.status).toBe(401);
    }
  });

  it('stops accepting the token after logout', async () => {
    const session = await signIn(gateway);
    const logout = await request('/auth/logout', { method: 'POST', headers: session.headers });
    expect(logout.status).toBe(204);
    const after = await request('/auth/me', { headers: session.headers });
    expect(after.status).toBe(401);
  });

  it('extends a session in use once less than half its lifetime remains', async () => {
    const { token, headers } = await signIn(gateway);
    const id = token.split('.')[0];
    const soon = new Date(Date.now() + 10 * 60_000); // 10 of 60 minutes left
    await gateway.store.session.update({ where: { id }, data: { expiresAt: soon } });
    expect((await request('/auth/me', { headers })).status).toBe(200);
    const row = await gateway.store.session.findUniqueOrThrow({ where: { id } });
    expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
  });

  it('leaves a session with more than half its lifetime alone', async () => {
    const { token, headers } = await signIn(gateway);
    const id = token.split('.')[0];
    const before = await gateway.store.session.findUniqueOrThrow({ where: { id } });
    await request('/auth/me', { headers });
    const after = await gateway.store.session.findUniqueOrThrow({ where: { id } });
    expect(after.expiresAt).toEqual(before.expiresAt);
  });

  it('refuses and forgets an expired session', async () => {
    const { token, headers } = await signIn(gateway);
    const id = token.split('.')[0];
    await gateway.store.session.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await request('/auth/me', { headers })).status).toBe(401);
    expect(await gateway.store.session.findUnique({ where: { id } })).toBeNull();
  });
});

describe('the absolute lifetime of a session (SESSION_MAX_AGE)', () => {
  let capped: Gateway;
  const hour = 3_600_000;
  beforeAll(async () => {
    capped = await startGateway({ SESSION_TTL: '1h', SESSION_MAX_AGE: '2h' });
  });
  afterAll(() => capped.close());
  const idOf = (token: string) => token.split('.')[0];

  it('ends a session at its absolute age, however recently it was used and extended', async () => {
    const { token, headers } = await signIn(capped);
    const id = idOf(token);
    expect((await capped.request('/auth/me', { headers })).status).toBe(200);
    // Signed in just over two hours ago, and its sliding expiry still half an hour ahead.
    await capped.store.session.update({
      where: { id },
      data: { createdAt: new Date(Date.now() - 2 * hour - 1000), expiresAt: new Date(Date.now() + hour / 2) },
    });
    const response = await capped.request('/auth/me', { headers });
    expect(response.status).toBe(401);
    expect(await capped.store.session.findUnique({ where: { id } })).toBeNull();
  });

  it('slides within the absolute age but never past it', async () => {
    const { token, headers } = await signIn(capped);
    const id = idOf(token);
    const createdAt = new Date(Date.now() - 110 * 60_000); // 1 h 50 min ago: 10 minutes of its two hours left
    await capped.store.session.update({ where: { id }, data: { createdAt, expiresAt: new Date(Date.now() + 5 * 60_000) } });
    expect((await capped.request('/auth/me', { headers })).status).toBe(200);
    const row = await capped.store.session.findUniqueOrThrow({ where: { id } });
    // Extended (a full hour was due), but only to the end of its absolute lifetime.
    expect(row.expiresAt.getTime()).toBe(createdAt.getTime() + 2 * hour);

    // Earlier in its life it slides by the full hour.
    const young = await signIn(capped);
    const youngId = idOf(young.token);
    await capped.store.session.update({ where: { id: youngId }, data: { expiresAt: new Date(Date.now() + 60_000) } });
    expect((await capped.request('/auth/me', { headers: young.headers })).status).toBe(200);
    const slid = await capped.store.session.findUniqueOrThrow({ where: { id: youngId } });
    expect(slid.expiresAt.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(slid.expiresAt.getTime()).toBeLessThanOrEqual(slid.createdAt.getTime() + 2 * hour);
  });

  it('gives a new session no more than the absolute age when the sliding lifetime is longer', async () => {
    const longer = await startGateway({ SESSION_TTL: '3h', SESSION_MAX_AGE: '2h' });
    try {
      const { token, expiresAt } = await signIn(longer);
      const row = await longer.store.session.findUniqueOrThrow({ where: { id: idOf(token) } });
      expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(2 * hour);
      expect(new Date(expiresAt).getTime()).toBe(row.expiresAt.getTime());
    } finally {
      await longer.close();
    }
  });
});

describe('POST /auth/password', () => {
  const change = (headers: Record<string, string>, body: unknown) =>
    request('/auth/password', { method: 'POST', ...json(body, headers) });
  const login = (email: string, password: string) => request('/auth/login', { method: 'POST', ...json({ email, password }) });

  it('sets the new password and ends every other session of the user, keeping the caller’s', async () => {
    const caller = await signIn(gateway);
    const other = (await (await login(caller.email, caller.password)).json()) as { token: string };
    const stranger = await signIn(gateway);
    expect((await request('/auth/me', { headers: bearer(other.token) })).status).toBe(200);

    const response = await change(caller.headers, { currentPassword: caller.password, newPassword: 'a brand new password' });
    expect(response.status).toBe(204);

    expect((await request('/auth/me', { headers: caller.headers })).status).toBe(200);
    expect((await request('/auth/me', { headers: bearer(other.token) })).status).toBe(401);
    expect(await gateway.store.session.count({ where: { userId: caller.user.id } })).toBe(1);
    // Another user's session is none of its business.
    expect((await request('/auth/me', { headers: stranger.headers })).status).toBe(200);
    expect((await login(caller.email, caller.password)).status).toBe(401);
    expect((await login(caller.email, 'a brand new password')).status).toBe(200);
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong current password and changes nothing', async () => {
    const caller = await signIn(gateway);
    const other = (await (await login(caller.email, caller.password)).json()) as { token: string };
    const response = await change(caller.headers, { currentPassword: 'not the password', newPassword: 'a brand new password' });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('INVALID_CREDENTIALS');
    expect((await request('/auth/me', { headers: bearer(other.token) })).status).toBe(200);
    expect((await login(caller.email, caller.password)).status).toBe(200);
  });

  it('answers 400 VALIDATION_FAILED naming the field for a short new password, a missing field or an extra one', async () => {
    const caller = await signIn(gateway);
    for (const [body, field] of [
      [{ currentPassword: caller.password, newPassword: 'short' }, 'newPassword'],
      [{ newPassword: 'a brand new password' }, 'currentPassword'],
      [{ currentPassword: caller.password, newPassword: 'a brand new password', userId: 'someone-else' }, 'userId'],
    ] as const) {
      const response = await change(caller.headers, body);
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(error.details)).toContain(field);
    }
    expect((await login(caller.email, caller.password)).status).toBe(200);
  });

  it('answers 401 without a session', async () => {
    const response = await change({}, { currentPassword: 'whatever', newPassword: 'a brand new password' });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('UNAUTHORIZED');
  });
});
