import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { payloadDataConverter } from '../../../codec/data-converter';
import { EncryptionCodec } from '../../../codec/encryption-codec';
import { payloadFromJson, payloadToJson } from '../../../codec/payload-json';
import type { PayloadKey } from '../../../config/payload-keys';
import { json, signIn, startGateway, unreachableTemporal, type Gateway } from './gateway-harness';

const webUi = 'http://127.0.0.1:8233';
const keyA: PayloadKey = { id: 'a', key: randomBytes(32) };
const keyB: PayloadKey = { id: 'b', key: randomBytes(32) };
const address = { name: 'Ada Lovelace', street: '12 Analytical Row', postalCode: 'NW1 6XE' };

let gateway: Gateway;
let admin: Awaited<ReturnType<typeof signIn>>;
let user: Awaited<ReturnType<typeof signIn>>;
const connection = unreachableTemporal();

beforeAll(async () => {
  // The codec server uses the Temporal client's own codecs: keys B (encrypts) and A (still reads).
  const temporal = new Client({ connection, dataConverter: payloadDataConverter([keyB, keyA]) });
  gateway = await startGateway({ CODEC_CORS_ORIGIN: webUi }, { temporal });
  admin = await signIn(gateway, 'ADMIN');
  user = await signIn(gateway, 'USER');
});
afterAll(async () => {
  await gateway.close();
  await connection.close();
});

const clearPayloads = () => ({ payloads: [payloadToJson(defaultPayloadConverter.toPayload(address))] });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  gateway.request(path, { method: 'POST', ...json(body, headers) });

/** The cookie POST /auth/login set, as a browser would send it back. */
async function sessionCookie(email: string, password: string) {
  const login = await gateway.request('/auth/login', { method: 'POST', ...json({ email, password }) });
  const setCookie = login.headers.get('set-cookie') ?? '';
  return { setCookie, cookie: setCookie.split(';')[0]! };
}

describe('the codec server', () => {
  it('answers 401 without credentials and 403 to a USER, on every codec route', async () => {
    for (const path of ['/codec/encode', '/codec/decode', '/codec/default/encode', '/codec/default/decode', '/codec//decode']) {
      expect({ path, status: (await post(path, clearPayloads())).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await post(path, clearPayloads(), user.headers)).status }).toEqual({ path, status: 403 });
      expect({ path, status: (await post(path, clearPayloads(), admin.headers)).status }).toEqual({ path, status: 200 });
    }
  });

  it('encrypts for an ADMIN with the first key and decodes back to the same payload', async () => {
    const encoded = await post('/codec/encode', clearPayloads(), admin.headers);
    expect(encoded.status).toBe(200);
    const { payloads } = await encoded.json();
    expect(payloads).toHaveLength(1);
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('b');
    expect(Buffer.from(payloads[0].data, 'base64').toString('latin1')).not.toContain('Lovelace');
    const decoded = await post('/codec/default/decode', { payloads }, admin.headers);
    expect(decoded.status).toBe(200);
    const [payload] = (await decoded.json()).payloads;
    expect(defaultPayloadConverter.fromPayload(payloadFromJson(payload))).toEqual(address);
  });

  it('decodes what an earlier key (still listed) wrote, and passes clear payloads through', async () => {
    const [underA] = await new EncryptionCodec([keyA]).encode([defaultPayloadConverter.toPayload(address)]);
    const decoded = await post('/codec/decode', { payloads: [payloadToJson(underA!), ...clearPayloads().payloads] }, admin.headers);
    const { payloads } = await decoded.json();
    expect(payloads.map((payload: any) => defaultPayloadConverter.fromPayload(payloadFromJson(payload)))).toEqual([address, address]);
  });

  it('answers a payload under a key id no longer listed with a clear error naming it', async () => {
    const [underC] = await new EncryptionCodec([{ id: 'c', key: randomBytes(32) }]).encode([defaultPayloadConverter.toPayload(address)]);
    const decoded = await post('/codec/decode', { payloads: [payloadToJson(underC!)] }, admin.headers);
    expect(decoded.status).toBe(400);
    const { error } = await decoded.json();
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { keyId: 'c' } });
    expect(error.message).toMatch(/key id "c", which PAYLOAD_KEYS does not list/);
  });

  it('refuses a body that is not a list of payloads, and answers none for none (protobuf JSON leaves out an empty list)', async () => {
    expect((await post('/codec/decode', { payloads: [{ data: 'not base64!' }] }, admin.headers)).status).toBe(400);
    expect((await post('/codec/decode', { payloads: 'all of them' }, admin.headers)).status).toBe(400);
    expect((await post('/codec/decode', [], admin.headers)).status).toBe(400);
    for (const path of ['/codec/encode', '/codec/decode']) {
      const none = await post(path, {}, admin.headers);
      expect({ path, status: none.status, body: await none.json() }).toEqual({ path, status: 200, body: { payloads: [] } });
    }
  });

  it('takes the HttpOnly SameSite session cookie POST /auth/login sets, on the codec routes only', async () => {
    const { setCookie, cookie } = await sessionCookie(admin.email, admin.password);
    expect(setCookie).toMatch(/^codec_session=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/codec/);
    expect((await post('/codec/decode', clearPayloads(), { cookie })).status).toBe(200);
    // Everything else wants the bearer token.
    expect((await gateway.request('/auth/me', { headers: { cookie } })).status).toBe(401);
    const asUser = await sessionCookie(user.email, user.password);
    expect((await post('/codec/decode', clearPayloads(), { cookie: asUser.cookie })).status).toBe(403);
    expect((await post('/codec/decode', clearPayloads(), { cookie: 'codec_session=made-up' })).status).toBe(401);
  });

  it('answers CORS with credentials to the configured Web UI origin only', async () => {
    const preflight = (origin: string) =>
      gateway.request('/codec/default/decode', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
    const allowed = await preflight(webUi);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(webUi);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // The API's own CORS (CORS_ORIGINS, '*' by default) never answers for the codec routes.
    const decoded = await post('/codec/decode', clearPayloads(), { ...admin.headers, origin: 'https://evil.example' });
    expect(decoded.headers.get('access-control-allow-origin')).toBeNull();
    const fromUi = await post('/codec/decode', clearPayloads(), { ...admin.headers, origin: webUi });
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(webUi);
  });

  it('ends the cookie with the session: after logout it no longer opens the codec', async () => {
    const fresh = await signIn(gateway, 'ADMIN');
    const { cookie } = await sessionCookie(fresh.email, fresh.password);
    const token = decodeURIComponent(cookie.split('=')[1]!);
    const logout = await gateway.request('/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/codec_session=;.*Max-Age=0/);
    expect((await post('/codec/decode', clearPayloads(), { cookie })).status).toBe(401);
  });
});
