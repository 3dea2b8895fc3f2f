import pino from 'pino';
import { json, startGateway, type Gateway } from './gateway-harness';

describe('the gateway as a whole', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('answers an unknown route with 404 NOT_FOUND in the error shape', async () => {
    const response = await gateway.request('/nowhere');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('sends security headers and a request id on every answer, errors included', async () => {
    for (const path of ['/health', '/nowhere']) {
      const response = await gateway.request(path);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('answers CORS preflights for the configured origins', async () => {
    const response = await gateway.request('/purchases', {
      method: 'OPTIONS',
      headers: { origin: 'http://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over 64 KiB', async () => {
    const response = await gateway.request('/auth/register', {
      method: 'POST',
      ...json({ email: 'big@example.com', password: 'x'.repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('is healthy while Temporal is down, but not ready', async () => {
    const health = await gateway.request('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await gateway.request('/ready');
    expect(ready.status).toBe(503);
    const { error } = await ready.json();
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.details).toEqual({ database: 'up', temporal: 'down' });
  });

  it('documents every contract route in OpenAPI 3, with bearer security', async () => {
    const document = await (await gateway.request('/openapi.json')).json();
    expect(document.openapi).toMatch(/^3\./);
    const routes = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // Routes beyond the contract's table (e.g. the supplier's orders) may be documented too.
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /auth/register',
        'POST /auth/login',
        'POST /auth/logout',
        'GET /auth/me',
        'GET /products',
        'POST /products',
        'PATCH /products/{sku}',
        'DELETE /products/{sku}',
        'PUT /inventory/{sku}',
        'GET /inventory/{sku}',
        'GET /deliveries/{id}',
        'POST /purchases',
        'GET /purchases',
        'GET /purchases/{id}',
        'POST /purchases/{id}/cancel',
        'GET /health',
        'GET /ready',
      ]),
    );
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/purchases'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/purchases'].post.requestBody.content['application/json'].schema).toBeDefined();
  });

  it('serves Swagger UI over the document', async () => {
    const response = await gateway.request('/docs');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('/openapi.json');
  });
});

describe('rate limiting', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => gateway.close());

  // Requests served by @hono/node-server carry the socket; this stands in for two clients' connections.
  const from = (address: string) => ({ incoming: { socket: { remoteAddress: address, remotePort: 1, remoteFamily: 'IPv4' } } });

  it('answers 429 RATE_LIMITED with Retry-After once a client is over the limit, per client', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await gateway.request('/products', {}, from('10.0.0.1'))).status).toBe(200);
    }
    const limited = await gateway.request('/products', {}, from('10.0.0.1'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    expect((await gateway.request('/products', {}, from('10.0.0.2'))).status).toBe(200);
  });

  it('never limits /health and /ready', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect((await gateway.request('/products', {}, from('10.0.0.3'))).status).toBeLessThan(500);
    }
    for (let i = 0; i < 10; i += 1) {
      expect((await gateway.request('/health', {}, from('10.0.0.3'))).status).toBe(200);
    }
    expect((await gateway.request('/ready', {}, from('10.0.0.3'))).status).toBe(503);
  });

  it('logs a line per request at info, but probes and scrapes only at debug', async () => {
    const lines: { msg: string; path?: string; level: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const logged = await startGateway({}, { logger });
    try {
      for (const path of ['/health', '/ready', '/metrics', '/products']) await logged.request(path);
      expect(lines.filter((line) => line.msg === 'request').map((line) => line.path)).toEqual(['/products']);
      logger.level = 'debug';
      await logged.request('/health');
      expect(lines.filter((line) => line.msg === 'request').map((line) => line.path)).toEqual(['/products', '/health']);
    } finally {
      await logged.close();
    }
  });
});
