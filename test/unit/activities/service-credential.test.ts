import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { createCarrierApi } from '../../../activities/carrier/http';
import { createSupplierApi } from '../../../activities/supplier/http';
import type { CarrierDb, SupplierDb } from '../../../prisma/clients';

const serviceToken = 'the-deployment-service-token-1';
const logger = pino({ level: 'silent' });
const apis = {
  supplier: () => createSupplierApi({} as SupplierDb, logger, { serviceToken }),
  carrier: () => createCarrierApi({} as CarrierDb, logger, { serviceToken }),
};

/** Served over real HTTP, as the worker serves it; routes that need no database are enough to see the gate. */
describe.each(Object.keys(apis) as (keyof typeof apis)[])('the %s API with a service token', (name) => {
  let server: ServerType;
  let url: string;
  beforeAll(async () => {
    server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: apis[name]().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const get = (path: string, authorization?: string) => fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });

  it('answers 401 in the contract’s error shape without the token, with a wrong one, or one sent another way', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token',
      `Bearer ${serviceToken}x`,
      `Bearer ${serviceToken.slice(0, -1)}`,
      `Basic ${Buffer.from(`x:${serviceToken}`).toString('base64')}`,
      serviceToken,
      'Bearer ',
    ]) {
      const answer = await get('/openapi.json', authorization);
      expect({ authorization, status: answer.status }).toEqual({ authorization, status: 401 });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(await answer.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    // A write without the token is refused before anything reads its body.
    const put = await fetch(`${url}/inventory/SKU-1`, { method: 'PUT', body: '{"available":1}', headers: { 'content-type': 'application/json' } });
    expect(put.status).toBe(401);
  });

  it('answers the caller that presents it, and /health and /metrics to anyone', async () => {
    expect((await get('/openapi.json', `Bearer ${serviceToken}`)).status).toBe(200);
    expect((await get('/openapi.json', `bearer   ${serviceToken}`)).status).toBe(200);
    expect(await (await get('/health')).json()).toEqual({ status: 'ok' });
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_server_requests_total');
  });
});
