import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  contractRoutes,
  expectErrorShape,
  expectOrderlyAnswer,
  expectSecurityHeaders,
  json,
  signIn,
  startHostileGateway,
  startStubServices,
  type HostileGateway,
  type JsonResponse,
  type StubServices,
} from './hostile-harness';

/** What must never appear in an answer: stack frames, source paths, SQL, Prisma's words, internal addresses. */
const leaks = [
  /\n\s+at\s/,
  /\.ts:\d+/,
  /\/work\/|node_modules|\.data\//,
  /\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET|WHERE)\b/i,
  /no such table|SQLITE|prisma|P20\d\d|invocation/i,
  /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|fetch failed/i,
  /127\.0\.0\.1|localhost|\[::1\]|:\d{2,5}\b/,
  /internal-db|secret-host/i,
];

function expectNoLeak(text: string): void {
  for (const pattern of leaks) {
    if (pattern.test(text)) throw new Error(`the answer leaks ${pattern}: ${text.slice(0, 400)}`);
  }
}

/** The logged lines of one request, found by the X-Request-Id the client saw. */
function logsOf(gateway: HostileGateway, response: JsonResponse) {
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  return gateway.logs.lines.filter((line) => line.requestId === requestId);
}

describe('security headers', () => {
  let gateway: HostileGateway;
  let limited: HostileGateway;
  beforeAll(async () => {
    gateway = await startHostileGateway();
    limited = await startHostileGateway({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
  });
  afterAll(async () => {
    await gateway.close();
    await limited.close();
  });

  it('are on every answer of every contract route, signed in or not, success or refusal', async () => {
    const user = await signIn(gateway);
    const admin = await signIn(gateway, 'ADMIN');
    const seen = new Set<number>();
    // Logout last, with a session of its own: it would end the sessions the other requests use.
    for (const route of contractRoutes.filter((candidate) => candidate.path !== '/auth/logout')) {
      const path = route.path.replace(':x', route.path.startsWith('/purchases') ? crypto.randomUUID() : 'SKU-1');
      for (const headers of [{}, user.headers, admin.headers, { authorization: 'Bearer forged.token' }]) {
        const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined;
        const response = await gateway.request(path, {
          method: route.method,
          headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body } : {}),
        });
        expectSecurityHeaders(response);
        seen.add(response.status);
      }
    }
    for (const headers of [{}, (await signIn(gateway)).headers]) {
      const response = await gateway.request('/auth/logout', { method: 'POST', headers });
      expectSecurityHeaders(response);
      seen.add(response.status);
    }
    // The answers covered every kind: success, no content, bad input, no session, wrong role, missing, dependency down.
    expect([...seen]).toEqual(expect.arrayContaining([200, 204, 400, 401, 403, 404, 503]));
  });

  it('are on 404s, 413s, preflights, Swagger UI and its assets', async () => {
    const answers = [
      await gateway.request('/nowhere'),
      await gateway.request('/auth/register', { method: 'POST', ...json({ password: 'x'.repeat(70_000) }) }),
      await gateway.request('/purchases', {
        method: 'OPTIONS',
        headers: { origin: 'http://shop.example', 'access-control-request-method': 'POST' },
      }),
      await gateway.request('/docs'),
      await gateway.request('/docs/assets/swagger-ui-dist/swagger-ui.css'),
      await gateway.request('/openapi.json'),
    ];
    expect(answers.map((response) => response.status)).toEqual([404, 413, 204, 200, 200, 200]);
    for (const response of answers) expectSecurityHeaders(response);
  });

  it('are on 429s, which carry Retry-After', async () => {
    await limited.request('/products');
    const response = await limited.request('/products');
    const answer = await expectOrderlyAnswer(response, [429]);
    expect(answer.error.code).toBe('RATE_LIMITED');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('has the values hono’s secureHeaders sets, and no X-Powered-By', async () => {
    const response = await gateway.request('/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

describe('errors reach the logs, not the client', () => {
  let services: StubServices;
  let gateway: HostileGateway;
  let admin: Awaited<ReturnType<typeof signIn>>;
  beforeAll(async () => {
    services = await startStubServices();
    // The carrier is "down"; the supplier answers.
    gateway = await startHostileGateway({ env: { SUPPLIER_URL: services.url } });
    admin = await signIn(gateway, 'ADMIN');
  });
  afterAll(async () => {
    await gateway.close();
    await services.close();
  });

  it('answers a database failure with 500 INTERNAL and nothing of it, and logs it with the request id', async () => {
    // A store that lost a table: every query on it fails inside Prisma with SQL in the message.
    await gateway.store.$executeRawUnsafe('ALTER TABLE "Product" RENAME TO "ProductGone"');
    try {
      const response = await gateway.request('/products');
      const text = await response.text();
      expect(response.status).toBe(500);
      expectSecurityHeaders(response);
      const body = JSON.parse(text);
      expectErrorShape(body);
      expect(body.error.code).toBe('INTERNAL');
      expect(body.error.message).toContain(response.headers.get('x-request-id'));
      expectNoLeak(text);
      const logged = logsOf(gateway, response);
      const failure = logged.find((line) => line.level === 50);
      expect(failure).toBeDefined();
      expect(failure?.err?.stack).toMatch(/\n\s+at /);
      expect(JSON.stringify(failure)).toMatch(/Product/);
      expect(logged.find((line) => line.msg === 'request')?.status).toBe(500);
    } finally {
      await gateway.store.$executeRawUnsafe('ALTER TABLE "ProductGone" RENAME TO "Product"');
    }
  });

  it('answers an unreachable carrier with 503 and no address, and logs the cause with the request id', async () => {
    const response = await gateway.request('/deliveries/d-1', { headers: admin.headers });
    const text = await response.text();
    expect(response.status).toBe(503);
    expectErrorShape(JSON.parse(text));
    expectNoLeak(text);
    expect(text).not.toContain(':9');
    const logged = logsOf(gateway, response).find((line) => line.level === 40);
    expect(JSON.stringify(logged)).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('answers an unreachable Temporal with 503 and no address, and logs the cause', async () => {
    const user = await signIn(gateway);
    const response = await gateway.request('/purchases', {
      method: 'POST',
      ...json(
        { items: [{ sku: 'SKU-1', quantity: 1 }], address: { name: 'A', street: 'S', city: 'C', postalCode: '1', country: 'PT' } },
        user.headers,
      ),
    });
    const text = await response.text();
    expect(response.status).toBe(503);
    expectNoLeak(text);
    expect(logsOf(gateway, response).some((line) => line.level === 40 && line.err)).toBe(true);
  });
});

describe('a misbehaving supplier', () => {
  // Answers 500 with its internals, or garbage: none of it may reach the gateway's client.
  let mode: 'internals' | 'garbage' | 'html404' = 'internals';
  const supplier = http.createServer((_req, res) => {
    if (mode === 'internals') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'INTERNAL', message: 'connect ECONNREFUSED internal-db.corp:5432 SELECT * FROM "Stock" WHERE sku = $1' },
          stack: 'Error: boom\n    at /srv/supplier/app.ts:12:3',
        }),
      );
    } else if (mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"sku": "SKU-1", "available": "lots", "secret-host": "10.0.0.7:5432"}');
    } else {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>nginx at secret-host:8080</html>');
    }
  });
  let gateway: HostileGateway;
  let admin: Awaited<ReturnType<typeof signIn>>;
  beforeAll(async () => {
    await new Promise<void>((resolve) => supplier.listen(0, '127.0.0.1', resolve));
    const { port } = supplier.address() as AddressInfo;
    gateway = await startHostileGateway({ env: { SUPPLIER_URL: `http://127.0.0.1:${port}` } });
    admin = await signIn(gateway, 'ADMIN');
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise((resolve) => supplier.close(resolve));
  });

  it.each(['internals', 'garbage', 'html404'] as const)('keeps its %s from the client', async (which) => {
    mode = which;
    for (const init of [
      { headers: admin.headers },
      { method: 'PUT', ...json({ available: 3 }, admin.headers) },
    ]) {
      const response = await gateway.request('/inventory/SKU-1', init);
      const text = await response.text();
      expect([404, 503]).toContain(response.status);
      expectErrorShape(JSON.parse(text));
      expectNoLeak(text);
    }
    const created = await gateway.request('/products', {
      method: 'POST',
      ...json({ sku: `LEAK-${which}`, name: 'x', priceCents: 1 }, admin.headers),
    });
    const text = await created.text();
    expect(created.status).toBe(503);
    expectNoLeak(text);
    expect(await gateway.store.product.findUnique({ where: { sku: `LEAK-${which}` } })).toBeNull();
  });
});

describe('request ids', () => {
  let gateway: HostileGateway;
  beforeAll(async () => {
    gateway = await startHostileGateway();
  });
  afterAll(() => gateway.close());

  it('keeps a well-formed client request id, and replaces one that could forge log fields', async () => {
    const kept = await gateway.request('/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    for (const forged of ['a","level":60,"msg":"x', 'a'.repeat(300), 'a b', '<script>']) {
      const response = await gateway.request('/health', { headers: { 'x-request-id': forged } });
      expect(response.headers.get('x-request-id')).not.toBe(forged);
      expect(response.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
    }
    expect(gateway.logs.lines.every((line) => line.level !== 60)).toBe(true);
  });
});
