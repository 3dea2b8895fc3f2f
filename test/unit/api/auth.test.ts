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
