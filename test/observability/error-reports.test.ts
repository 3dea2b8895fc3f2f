import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { StoreDb } from '../../prisma/clients';
import { startGatewayProcess as startGateway } from '../support/gateway-process';
import { waitFor } from '../support/wait-for';

/** What a Sentry ingest receives: each envelope's items, by type. */
interface Envelope {
  path: string;
  items: { type: string; payload: any }[];
}

/** A local stand-in for Sentry's ingest endpoint: a real HTTP server that keeps every envelope posted to it. */
async function startIngest() {
  const envelopes: Envelope[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const lines = body.toString('utf8').split('\n').filter(Boolean);
      const items: Envelope['items'] = [];
      // An envelope is a header line, then for each item its header line and its payload line.
      for (let index = 1; index + 1 < lines.length; index += 2) {
        items.push({ type: JSON.parse(lines[index]!).type, payload: JSON.parse(lines[index + 1]!) });
      }
      envelopes.push({ path: request.url ?? '', items });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, envelopes, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Makes every read of the catalog fail inside Prisma, as a lost table would: an error no handler expects. */
async function breakCatalog(store: StoreDb) {
  await store.$executeRawUnsafe('ALTER TABLE "Product" RENAME TO "ProductGone"');
}

describe('an unhandled error in a request', () => {
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    ingest = await startIngest();
    gateway = await startGateway({ SENTRY_DSN: `http://publickey@127.0.0.1:${ingest.port}/1`, SENTRY_ENVIRONMENT: 'test' });
    await breakCatalog(gateway.store);
  }, 120_000);
  afterAll(async () => {
    await gateway?.store.$disconnect();
    await gateway?.stop();
    await ingest?.close();
  });

  it('is logged with its stack and the request id, and reported to SENTRY_DSN tagged with the request and trace ids', async () => {
    const response = await fetch(`${gateway.url}/products`, { headers: { 'X-Request-Id': 'broken-catalog-1' } });
    expect(response.status).toBe(500);
    const traceId = /^00-([0-9a-f]{32})-/.exec(response.headers.get('traceparent') ?? '')?.[1];
    expect(traceId).toBeDefined();

    const logged = await waitFor('the error line', () =>
      gateway.output
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>)
        .find((line) => line.msg === 'Unhandled error' && line.requestId === 'broken-catalog-1'),
    );
    expect(logged.level).toBe(50);
    expect(logged.traceId).toBe(traceId);
    expect(logged.err.stack).toMatch(/\n\s+at /);

    const event = await waitFor('the report reaching the ingest', () =>
      ingest.envelopes.flatMap((envelope) => envelope.items).find((item) => item.type === 'event')?.payload,
    );
    expect(ingest.envelopes[0]!.path).toMatch(/^\/api\/1\/envelope\//);
    expect(event.tags).toEqual(
      expect.objectContaining({ service: 'gateway', requestId: 'broken-catalog-1', traceId, method: 'GET', route: '/products' }),
    );
    expect(event.environment).toBe('test');
    expect(event.contexts.trace.trace_id).toBe(traceId);
    const exception = event.exception.values.at(-1);
    expect(exception.value).toMatch(/Product/);
    expect(exception.stacktrace.frames.length).toBeGreaterThan(0);
  });

  it('a refusal of the client (a 4xx) is not reported', async () => {
    const before = ingest.envelopes.length;
    const response = await fetch(`${gateway.url}/purchases/nope`, { headers: { 'X-Request-Id': 'refusal-1' } });
    expect(response.status).toBe(401);
    // The unhandled error sent since is the only thing that may arrive: fail one more read and wait for its report.
    await fetch(`${gateway.url}/products`, { headers: { 'X-Request-Id': 'broken-catalog-2' } });
    await waitFor('the second report', () =>
      ingest.envelopes.slice(before).find((envelope) => envelope.items.some((item) => item.payload?.tags?.requestId === 'broken-catalog-2')),
    );
    const requestIds = ingest.envelopes.slice(before).flatMap((envelope) => envelope.items.map((item) => item.payload?.tags?.requestId));
    expect(requestIds).toEqual(['broken-catalog-2']);
  });
});

