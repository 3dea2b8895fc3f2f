import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { startGatewayProcess } from '../support/gateway-process';
import { waitFor } from '../support/wait-for';

/** What Loki's push API receives: streams of labels, each with [nanosecond timestamp, line] values. */
interface PushedStream {
  stream: Record<string, string>;
  values: [string, string][];
}

/** A local stand-in for Loki's push endpoint (POST /loki/api/v1/push, JSON), keeping every stream pushed to it. */
async function startLokiPush() {
  const pushes: { path: string; contentType: string; streams: PushedStream[] }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const { streams } = JSON.parse(body.toString('utf8')) as { streams: PushedStream[] };
      pushes.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', streams });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes,
    /** Every pushed line, parsed, with its stream's labels. */
    lines: () =>
      pushes.flatMap((push) =>
        push.streams.flatMap((stream) => stream.values.map(([time, line]) => ({ labels: stream.stream, time, line: JSON.parse(line) }))),
      ),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('log lines shipped to Loki with LOKI_URL', () => {
  let loki: Awaited<ReturnType<typeof startLokiPush>>;
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>>;

  beforeAll(async () => {
    loki = await startLokiPush();
    gateway = await startGatewayProcess({ LOKI_URL: loki.url });
  }, 120_000);
  afterAll(async () => {
    await gateway?.store.$disconnect();
    await gateway?.stop();
    await loki?.close();
  });

  it("pushes each line to Loki's push API, labelled by service and level, and still writes it on stdout", async () => {
    const response = await fetch(`${gateway.url}/products`, { headers: { 'X-Request-Id': 'shipped-1' } });
    expect(response.status).toBe(200);
    const traceId = /^00-([0-9a-f]{32})-/.exec(response.headers.get('traceparent') ?? '')?.[1];
    const shipped = await waitFor('the request line in Loki', () =>
      loki.lines().find(({ line }) => line.msg === 'request' && line.requestId === 'shipped-1'),
    );
    expect(loki.pushes[0]!.path).toBe('/loki/api/v1/push');
    expect(loki.pushes[0]!.contentType).toMatch(/^application\/json/);
    expect(shipped.labels).toEqual(expect.objectContaining({ service: 'gateway', level: 'info' }));
    expect(shipped.line).toEqual(expect.objectContaining({ service: 'gateway', requestId: 'shipped-1', traceId, status: 200, path: '/products' }));
    // Loki's timestamps are nanoseconds since the epoch, the line's own time.
    expect(shipped.time).toBe(String(shipped.line.time * 1_000_000));
    // Start-up lines too, and stdout keeps every line.
    expect(loki.lines().some(({ line }) => String(line.msg).startsWith('Gateway listening'))).toBe(true);
    await waitFor('the request line on stdout', () => gateway.output.find((line) => line.includes('"requestId":"shipped-1"')));
  });

  it('a warning is labelled warn', async () => {
    // Temporal is away: the gateway warns (or errs) about it; whatever came at warn or above is labelled so.
    const labelled = await waitFor('a line above info', () => loki.lines().find(({ line }) => line.level >= 40));
    expect(labelled.labels.level).toBe(labelled.line.level === 40 ? 'warn' : labelled.line.level === 50 ? 'error' : 'critical');
  });
});
