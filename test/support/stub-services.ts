import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the supplier's and the carrier's HTTP APIs, kept in memory, so that tests can say "the supplier's
 * stock did not change". It answers like the real ones: the contract's error shape, 404 for what it does not know.
 */
export interface StubServices {
  url: string;
  stock: Map<string, { available: number; reserved: number }>;
  /** Every request that reached the stub, as `METHOD /path` exactly as it arrived. */
  requests: string[];
  close(): Promise<void>;
}

export async function startStubServices(
  initialStock: Record<string, { available: number; reserved: number }> = Object.fromEntries(
    ['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4'].map((sku) => [sku, { available: 50, reserved: 0 }]),
  ),
): Promise<StubServices> {
  const stock = new Map(Object.entries(initialStock));
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://stub');
    const skuMatch = /^\/inventory\/([^/]+)$/.exec(url.pathname);
    const sku = skuMatch ? decodeURIComponent(skuMatch[1]) : undefined;
    if (req.method === 'GET' && url.pathname === '/inventory') {
      return send(200, { items: [...stock].map(([key, level]) => ({ sku: key, ...level })) });
    }
    if (req.method === 'GET' && sku !== undefined) {
      const level = stock.get(sku);
      return level ? send(200, { sku, ...level }) : send(404, { error: { code: 'NOT_FOUND', message: `No stock for ${sku}` } });
    }
    if (req.method === 'PUT' && sku !== undefined) {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const level = { available: JSON.parse(raw).available as number, reserved: stock.get(sku)?.reserved ?? 0 };
        stock.set(sku, level);
        send(200, { sku, ...level });
      });
      return;
    }
    send(404, { error: { code: 'NOT_FOUND', message: 'No such resource' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stock,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
