import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import fc from 'fast-check';
import { createOwnerApi } from '../../activities/openapi';
import { startGatewayProcess } from '../support/gateway-process';
import { hostileString } from './arbitraries';

/**
 * Hostile input over real HTTP, on connections a client keeps alive and reuses (as undici and Node's agents do): an
 * answer given before the body was read must not leave the body's bytes on the socket for the next request to trip on.
 */

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The server closed the connection while the body was still being sent (status 0): EPIPE or ECONNRESET. */
  cut?: string;
}

/** One request on `agent`; `chunked` sends the body without Content-Length. */
function send(
  url: string,
  agent: http.Agent,
  method: string,
  path: string,
  options: { body?: string; chunked?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    if (!options.chunked) headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, method, path, agent, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      // A server that refuses a body it will not read answers and closes: a client still sending may meet the close
      // before it reads the answer, as curl or a browser would. Told apart from any other failure.
      if (options.body !== undefined && (error.code === 'EPIPE' || error.code === 'ECONNRESET')) {
        resolve({ status: 0, headers: {}, text: '', cut: error.code });
      } else reject(error);
    });
    if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

const settings = (numRuns: number) => ({ numRuns, endOnFailure: true });
const unknownPurchaseId = '00000000-0000-4000-8000-000000000000';

describe('the gateway process over keep-alive connections', () => {
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>>;
  let token: string;
  beforeAll(async () => {
    gateway = await startGatewayProcess({ RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES_PER_CLIENT: '1000000' });
    const agent = new http.Agent();
    const credentials = { email: `conn-${Date.now()}@example.com`, password: 'correct horse battery' };
    expect((await send(gateway.url, agent, 'POST', '/auth/register', { body: JSON.stringify(credentials) })).status).toBe(201);
    const login = await send(gateway.url, agent, 'POST', '/auth/login', { body: JSON.stringify(credentials) });
    token = JSON.parse(login.text).token;
    agent.destroy();
  });
  afterAll(async () => {
    await gateway?.store.$disconnect();
    await gateway?.stop();
  });

  it('answers the request after a 413 on the same kept-alive connection, and closes the refused one', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ items: [{ sku: 'SKU-1', quantity: 1 }], note: 'x'.repeat(2 * 1024 * 1024) });
      const refused = await send(gateway.url, agent, 'POST', '/purchases', { body, headers: { authorization: `Bearer ${token}` } });
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.text).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(refused.headers.connection).toBe('close');
      const next = await send(gateway.url, agent, 'GET', '/auth/me', { headers: { authorization: `Bearer ${token}` } });
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('keeps answering on a reused connection after any oversized or unread body, on every body route', async () => {
    const routes = [
      { method: 'POST', path: '/auth/register', auth: false },
      { method: 'POST', path: '/auth/login', auth: false },
      { method: 'POST', path: '/purchases', auth: true },
      { method: 'POST', path: '/purchases', auth: false },
      { method: 'POST', path: `/purchases/${unknownPurchaseId}/cancel`, auth: true },
      { method: 'POST', path: '/products', auth: true },
      { method: 'PUT', path: '/inventory/SKU-1', auth: false },
      { method: 'POST', path: '/no-such-route', auth: false },
    ];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes),
          fc.integer({ min: 64 * 1024 + 1, max: 3 * 1024 * 1024 }),
          fc.boolean(),
          async (route, size, chunked) => {
            const headers: Record<string, string> = route.auth ? { authorization: `Bearer ${token}` } : {};
            const refused = await send(gateway.url, agent, route.method, route.path, { body: 'x'.repeat(size), chunked, headers });
            // A 4xx, or the connection closed under a body still being sent; never a 5xx, never a stuck connection.
            if (refused.cut === undefined) {
              expect(refused.status).toBeGreaterThanOrEqual(400);
              expect(refused.status).toBeLessThan(500);
            }
            const next = await send(gateway.url, agent, 'GET', '/health');
            expect(next.status).toBe(200);
          },
        ),
        settings(25),
      );
    } finally {
      agent.destroy();
    }
  });

  it('answers 400 naming the field to a wait that is empty or no duration, and never a 5xx', async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      const empty = await send(gateway.url, agent, 'GET', `/purchases/${unknownPurchaseId}?wait=`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(empty.status).toBe(400);
      expect(JSON.parse(empty.text).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'wait' }] });

      const unreadable = fc.oneof(
        fc.constantFrom('', ' ', '%20', 'x'.repeat(101), '1'.repeat(120), '1e400s', 'NaN', 'Infinity', '-0s', '30.0001s', '\u0000'),
        hostileString.filter((text) => !/[\uD800-\uDFFF]/.test(text)),
      );
      await fc.assert(
        fc.asyncProperty(unreadable, async (wait) => {
          const answer = await send(gateway.url, agent, 'GET', `/purchases/${unknownPurchaseId}?wait=${encodeURIComponent(wait)}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          expect(answer.status).toBeLessThan(500);
          if (answer.status === 400) expect(JSON.parse(answer.text).error.details[0].path).toBe('wait');
        }),
        settings(60),
      );
    } finally {
      agent.destroy();
    }
  });
});

describe('an owner’s API over keep-alive connections', () => {
  let server: ServerType;
  let url: string;
  beforeAll(async () => {
    // Every owner's API is built by createOwnerApi: one route is enough to serve answers before a body is read.
    const app = createOwnerApi();
    app.get('/health', (c) => c.json({ status: 'ok' }));
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers the next request on a reused connection after refusing a body it never read', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const chunked of [false, true]) {
        const refused = await send(url, agent, 'PUT', '/no-such-route', { body: 'x'.repeat(2 * 1024 * 1024), chunked });
        expect(refused.status).toBe(404);
        expect(refused.headers.connection).toBe('close');
        expect((await send(url, agent, 'GET', '/health')).status).toBe(200);
      }
    } finally {
      agent.destroy();
    }
  });
});
