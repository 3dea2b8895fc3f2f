import fs from 'node:fs';
import path from 'node:path';
import { MatchersV3 } from '@pact-foundation/pact';
import { Hono } from 'hono';
import { createSupplierActivities } from '../../activities/supplier/activities';
import { createSupplierApi } from '../../activities/supplier/http';
import { setAvailable } from '../../activities/supplier/stock';
import { connectSupplier, type SupplierDb } from '../../prisma/clients';
import {
  describeProviderEngines,
  pactDir,
  gatewayPact,
  ownerDatabase,
  serveProvider,
  servicesClientAt,
  serviceToken,
  silentLogger,
  verifyPact,
  type StateHandlers,
} from './pact-support';

const { eachLike, integer, regex, string } = MatchersV3;
const isoDate = regex(/^\d{4}-\d{2}-\d{2}$/.source, '2026-03-02');
const isoTime = regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.source, '2026-03-01T10:00:00.000Z');

// The gateway's expectations of the supplier, recorded by running its real services client against Pact's mock server.
describe('the gateway as the supplier API’s consumer', () => {
  const pact = gatewayPact('supplier');

  it('reads the stock of one SKU', () =>
    pact
      .addInteraction()
      .given('SKU PACT-1 is stocked', { sku: 'PACT-1', available: 10 })
      .uponReceiving('a request for the stock of PACT-1')
      .withRequest('GET', '/inventory/PACT-1', (request) => request.headers({ accept: 'application/json' }))
      .willRespondWith(200, (response) => response.jsonBody({ sku: 'PACT-1', available: integer(10), reserved: integer(0) }))
      .executeTest(async (mock) => {
        expect(await servicesClientAt(mock.url).getStock('PACT-1')).toEqual({ sku: 'PACT-1', available: 10, reserved: 0 });
      }));

  it('hears NOT_FOUND, with the supplier’s own message, for a SKU it does not stock', () =>
    pact
      .addInteraction()
      .given('no stock is kept for SKU PACT-MISSING')
      .uponReceiving('a request for the stock of PACT-MISSING')
      .withRequest('GET', '/inventory/PACT-MISSING')
      .willRespondWith(404, (response) =>
        response.jsonBody({ error: { code: 'NOT_FOUND', message: string('No stock for SKU PACT-MISSING') } }),
      )
      .executeTest(async (mock) => {
        await expect(servicesClientAt(mock.url).getStock('PACT-MISSING')).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: 'No stock for SKU PACT-MISSING',
        });
      }));

  it('lists the stock of every SKU', () =>
    pact
      .addInteraction()
      .given('SKU PACT-1 is stocked', { sku: 'PACT-1', available: 10 })
      .uponReceiving('a request for the whole inventory')
      .withRequest('GET', '/inventory')
      .willRespondWith(200, (response) =>
        response.jsonBody({ items: eachLike({ sku: string('PACT-1'), available: integer(10), reserved: integer(0) }) }),
      )
      .executeTest(async (mock) => {
        expect(await servicesClientAt(mock.url).listStock()).toEqual([{ sku: 'PACT-1', available: 10, reserved: 0 }]);
      }));

  it('sets the available stock of one SKU', () =>
    pact
      .addInteraction()
      .given('SKU PACT-1 is stocked', { sku: 'PACT-1', available: 10 })
      .uponReceiving('a new available level for PACT-1')
      .withRequest('PUT', '/inventory/PACT-1', (request) => request.jsonBody({ available: 25 }))
      .willRespondWith(200, (response) => response.jsonBody({ sku: 'PACT-1', available: 25, reserved: integer(0) }))
      .executeTest(async (mock) => {
        expect(await servicesClientAt(mock.url).setStock('PACT-1', 25)).toEqual({ sku: 'PACT-1', available: 25, reserved: 0 });
      }));

  it('reads the supplier’s order for a purchase', () =>
    pact
      .addInteraction()
      .given('purchase pact-purchase-1 holds a reservation of 2 × PACT-1')
      .uponReceiving('a request for the order of pact-purchase-1')
      .withRequest('GET', '/orders/pact-purchase-1')
      .willRespondWith(200, (response) =>
        response.jsonBody({
          order: {
            id: string('5b1f7c0e-2f39-4a53-9d7e-0c2f0a1e9b11'),
            purchaseId: 'pact-purchase-1',
            status: regex('^(RESERVED|RELEASED|SOLD)$', 'RESERVED'),
            supplier: { name: string('Acme Coffee Supply'), leadTimeDays: integer(1) },
            expectedShipDate: isoDate,
            items: eachLike({ sku: string('PACT-1'), quantity: integer(2) }),
            createdAt: isoTime,
            updatedAt: isoTime,
          },
        }),
      )
      .executeTest(async (mock) => {
        expect(await servicesClientAt(mock.url).getSupplierOrder('pact-purchase-1')).toMatchObject({
          purchaseId: 'pact-purchase-1',
          status: 'RESERVED',
          items: [{ sku: 'PACT-1', quantity: 2 }],
        });
      }));

  it('hears NOT_FOUND for a purchase the supplier has no order for', () =>
    pact
      .addInteraction()
      .given('no order exists for purchase pact-missing')
      .uponReceiving('a request for the order of pact-missing')
      .withRequest('GET', '/orders/pact-missing')
      .willRespondWith(404, (response) => response.jsonBody({ error: { code: 'NOT_FOUND', message: string('No supplier order') } }))
      .executeTest(async (mock) => {
        await expect(servicesClientAt(mock.url).getSupplierOrder('pact-missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      }));
});

/** The provider states the gateway's expectations name, each set up through the supplier's own code. */
function supplierStates(db: SupplierDb) {
  const activities = createSupplierActivities(db, { supplierName: 'Acme Coffee Supply', leadTimeDays: 1 });
  return {
    'SKU PACT-1 is stocked': async (params?: unknown) => {
      const { sku, available } = params as { sku: string; available: number };
      await setAvailable(db, sku, available);
      return undefined;
    },
    'no stock is kept for SKU PACT-MISSING': async () => {
      await db.inventory.deleteMany({ where: { sku: 'PACT-MISSING' } });
      return undefined;
    },
    'purchase pact-purchase-1 holds a reservation of 2 × PACT-1': async () => {
      await setAvailable(db, 'PACT-1', 10);
      await activities.reserveStock({ purchaseId: 'pact-purchase-1', items: [{ sku: 'PACT-1', quantity: 2 }] });
      return undefined;
    },
    'no order exists for purchase pact-missing': async () => {
      await db.supplierOrder.deleteMany({ where: { purchaseId: 'pact-missing' } });
      return undefined;
    },
  } satisfies StateHandlers;
}

// The supplier honours them: its real app on a real database.
describeProviderEngines('the supplier API verifies the gateway’s pact', ['sqlite', 'postgresql'], (engine) => {
  it('answers every interaction as recorded', async () => {
    const database = await ownerDatabase(engine, 'supplier');
    const db = connectSupplier(database.url);
    const provider = await serveProvider(createSupplierApi(db, silentLogger, { serviceToken }));
    try {
      await verifyPact('supplier', provider.url, supplierStates(db));
    } finally {
      await provider.close();
      await db.$disconnect();
      await database.drop();
    }
  }, 90_000);
});

describe('the verification', () => {
  it('fails without the service token: the supplier answers every replayed request 401', async () => {
    const database = await ownerDatabase('sqlite', 'supplier');
    const db = connectSupplier(database.url);
    const provider = await serveProvider(createSupplierApi(db, silentLogger, { serviceToken }));
    try {
      const error = await verifyPact('supplier', provider.url, supplierStates(db), null).then(
        () => undefined,
        (failure: Error) => failure,
      );
      const report = JSON.parse(error?.message ?? '{}') as { errors?: { interaction: string; mismatch: unknown }[] };
      const interactions = (JSON.parse(fs.readFileSync(path.join(pactDir, 'gateway-supplier.json'), 'utf8')) as {
        interactions: unknown[];
      }).interactions;
      expect(report.errors).toHaveLength(interactions.length);
      for (const failure of report.errors ?? []) expect(JSON.stringify(failure.mismatch)).toContain('401');
    } finally {
      await provider.close();
      await db.$disconnect();
      await database.drop();
    }
  }, 90_000);

  it('fails a supplier whose answer drifts from what the gateway expects (a field renamed)', async () => {
    const database = await ownerDatabase('sqlite', 'supplier');
    const db = connectSupplier(database.url);
    const real = createSupplierApi(db, silentLogger, { serviceToken });
    // The real app, but its stock answers call `reserved` `held`.
    const drifted = new Hono();
    drifted.get('/inventory/:sku', async (c) => {
      const answer = await real.request(c.req.raw);
      if (answer.status !== 200) return answer;
      const { reserved, ...rest } = (await answer.json()) as { reserved: number };
      return c.json({ ...rest, held: reserved });
    });
    drifted.all('*', (c) => real.fetch(c.req.raw));
    const provider = await serveProvider(drifted);
    try {
      const error = await verifyPact('supplier', provider.url, supplierStates(db)).then(
        () => undefined,
        (failure: Error) => failure,
      );
      // Pact's report: the one interaction that reads a stock level, its body missing the key the gateway reads.
      const report = JSON.parse(error?.message ?? '{}') as { errors?: { interaction: string; mismatch: { mismatches: { mismatch: string }[] } }[] };
      expect(report.errors?.map((failure) => [failure.interaction, failure.mismatch.mismatches.map((m) => m.mismatch)])).toEqual([
        [expect.stringContaining('a request for the stock of PACT-1'), ['Actual map is missing the following keys: reserved']],
      ]);
    } finally {
      await provider.close();
      await db.$disconnect();
      await database.drop();
    }
  }, 90_000);
});
