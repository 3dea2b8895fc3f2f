import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { createSupplierActivities } from '../../activities/supplier/activities';
import { createSupplierApi } from '../../activities/supplier/http';
import { ensureSupplier, findSupplierOrder } from '../../activities/supplier/orders';
import { getStock, listStock, seedStock, setAvailable } from '../../activities/supplier/stock';
import { projectRoot } from '../../config';
import type { SupplierActivities } from '../../contracts/activities';
import type { ItemRequest } from '../../contracts/purchase';
import type { SupplierDb } from '../../prisma/clients';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';
import type { ReservationOutcome } from './processes/reserve-stock';
import { retryAsTemporal } from '../support/retry-as-temporal';

const execFileAsync = promisify(execFile);

let dbs: TestDatabases;
let db: SupplierDb;
let supplier: SupplierActivities;

describeEachEngine('the supplier', (engine) => {
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
    db = dbs.supplier;
    supplier = createSupplierActivities(db, { supplierName: 'Test Supply', leadTimeDays: 1 });
  });
  afterAll(() => dbs?.drop());

  /** Each test stocks its own SKUs, so tests share one database without seeing each other's stock. */
  async function stocked(available: number, reserved = 0): Promise<string> {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    await db.inventory.create({ data: { sku, available, reserved } });
    return sku;
  }

  async function stockOf(sku: string) {
    const { available, reserved } = await db.inventory.findUniqueOrThrow({ where: { sku } });
    return { available, reserved };
  }

  async function refusalOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  describe('reserveStock', () => {
    it('moves the units from available to reserved and answers with the order', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();

      const order = await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 3 }] });

      expect(order).toEqual({ orderId: expect.any(String), name: 'Test Supply' });
      expect(await stockOf(sku)).toEqual({ available: 7, reserved: 3 });
      const stored = await db.supplierOrder.findUniqueOrThrow({ where: { purchaseId }, include: { items: true } });
      expect(stored).toMatchObject({ id: order.orderId, status: 'RESERVED', items: [{ sku, quantity: 3 }] });
    });

    it('refuses with a non-retryable OUT_OF_STOCK and leaves the stock unchanged', async () => {
      const sku = await stocked(2);

      const failure = await refusalOf(supplier.reserveStock({ purchaseId: randomUUID(), items: [{ sku, quantity: 3 }] }));

      expect(failure.type).toBe('OUT_OF_STOCK');
      expect(failure.nonRetryable).toBe(true);
      expect(await stockOf(sku)).toEqual({ available: 2, reserved: 0 });
    });

    it('reserves nothing at all when the second item of a purchase is out of stock', async () => {
      const plenty = await stocked(10);
      const scarce = await stocked(1);
      const purchaseId = randomUUID();

      const failure = await refusalOf(
        supplier.reserveStock({
          purchaseId,
          items: [
            { sku: plenty, quantity: 4 },
            { sku: scarce, quantity: 2 },
          ],
        }),
      );

      expect(failure.type).toBe('OUT_OF_STOCK');
      expect(await stockOf(plenty)).toEqual({ available: 10, reserved: 0 });
      expect(await stockOf(scarce)).toEqual({ available: 1, reserved: 0 });
      expect(await db.supplierOrder.findUnique({ where: { purchaseId } })).toBeNull();
    });

    it('refuses an unknown SKU with a non-retryable UNKNOWN_SKU and rolls back the known ones', async () => {
      const known = await stocked(5);

      const failure = await refusalOf(
        supplier.reserveStock({
          purchaseId: randomUUID(),
          items: [
            { sku: known, quantity: 1 },
            { sku: 'NO-SUCH-SKU', quantity: 1 },
          ],
        }),
      );

      expect(failure.type).toBe('UNKNOWN_SKU');
      expect(failure.nonRetryable).toBe(true);
      expect(await stockOf(known)).toEqual({ available: 5, reserved: 0 });
    });

    it('reserves once when it runs twice for one purchase, and answers the same order both times', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();

      const first = await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 2 }] });
      const second = await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 2 }] });

      expect(second).toEqual(first);
      expect(await stockOf(sku)).toEqual({ available: 8, reserved: 2 });
    });

    it('reserves once when runs for one purchase race each other, in one process and across processes', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();
      const request = { purchaseId, items: [{ sku, quantity: 2 }] };
      const startAt = Date.now() + 2_000;

      const [here, ...elsewhere] = await Promise.all([
        // The other processes' writes may hold the file's lock: each attempt here is retried as Temporal would.
        at(startAt).then(() =>
          Promise.all([retryAsTemporal(() => supplier.reserveStock(request)), retryAsTemporal(() => supplier.reserveStock(request))]),
        ),
        reserveInAnotherProcess([request, request], startAt),
        reserveInAnotherProcess([request], startAt),
      ]);

      const outcomes = [...here, ...elsewhere.flat()];
      const orderIds = outcomes.map((outcome) => ('orderId' in outcome ? outcome.orderId : outcome));
      expect(new Set(orderIds)).toEqual(new Set([here[0].orderId]));
      expect(await stockOf(sku)).toEqual({ available: 8, reserved: 2 });
    });

    it('never oversells when 20 purchases race for 5 units in one process', async () => {
      const sku = await stocked(5);

      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          supplier.reserveStock({ purchaseId: randomUUID(), items: [{ sku, quantity: 1 }] }),
        ),
      );

      expectFiveReservedAndTheRestOutOfStock(outcomes);
      expect(await stockOf(sku)).toEqual({ available: 0, reserved: 5 });
    });

    it('never oversells when 20 purchases race for 5 units from two worker processes sharing the file', async () => {
      const sku = await stocked(5);
      const requests = () =>
        Array.from({ length: 10 }, () => ({ purchaseId: randomUUID(), items: [{ sku, quantity: 1 }] }));
      const startAt = Date.now() + 2_000;

      const outcomes = (
        await Promise.all([reserveInAnotherProcess(requests(), startAt), reserveInAnotherProcess(requests(), startAt)])
      ).flat();

      expect(outcomes.filter((outcome) => 'orderId' in outcome)).toHaveLength(5);
      expect(outcomes.filter((outcome) => !('orderId' in outcome))).toEqual(Array(15).fill({ refusal: 'OUT_OF_STOCK' }));
      expect(await stockOf(sku)).toEqual({ available: 0, reserved: 5 });
    });

    it('never oversells units-wise when purchases of different sizes race', async () => {
      const sku = await stocked(5);
      const quantities = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2];

      const outcomes = await Promise.allSettled(
        quantities.map((quantity) => supplier.reserveStock({ purchaseId: randomUUID(), items: [{ sku, quantity }] })),
      );

      const reservedUnits = outcomes.reduce(
        (sum, outcome, index) => sum + (outcome.status === 'fulfilled' ? quantities[index] : 0),
        0,
      );
      const stock = await stockOf(sku);
      expect(reservedUnits).toBeLessThanOrEqual(5);
      expect(stock).toEqual({ available: 5 - reservedUnits, reserved: reservedUnits });
      expect(stock.available).toBeGreaterThanOrEqual(0);
    });
  });

  const at = (epochMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));

  /** Runs reservations in a separate Node process on the same database file, like a second supplier worker. */
  async function reserveInAnotherProcess(
    requests: { purchaseId: string; items: ItemRequest[] }[],
    startAt: number,
  ): Promise<ReservationOutcome[]> {
    const script = path.join(__dirname, 'processes', 'reserve-stock.ts');
    const input = JSON.stringify({ url: dbs.urls.supplier, startAt, requests });
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script, input], { cwd: projectRoot });
    return JSON.parse(stdout) as ReservationOutcome[];
  }

  function expectFiveReservedAndTheRestOutOfStock(outcomes: PromiseSettledResult<unknown>[]) {
    const reserved = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(reserved).toHaveLength(5);
    expect(refusals).toHaveLength(15);
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(ApplicationFailure);
      expect((refusal as ApplicationFailure).type).toBe('OUT_OF_STOCK');
    }
  }

  describe('releaseReservation', () => {
    it('moves the reserved units back to available', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();
      await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 4 }] });

      await supplier.releaseReservation({ purchaseId });

      expect(await stockOf(sku)).toEqual({ available: 10, reserved: 0 });
      expect(await db.supplierOrder.findUniqueOrThrow({ where: { purchaseId } })).toMatchObject({ status: 'RELEASED' });
    });

    it('releases once when it runs twice', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();
      await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 4 }] });

      await supplier.releaseReservation({ purchaseId });
      await supplier.releaseReservation({ purchaseId });

      expect(await stockOf(sku)).toEqual({ available: 10, reserved: 0 });
    });

    it('leaves a tombstone when it comes first, so that a late reservation reserves nothing', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();

      await supplier.releaseReservation({ purchaseId });
      const late = await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 4 }] });

      expect(await stockOf(sku)).toEqual({ available: 10, reserved: 0 });
      const tombstone = await db.supplierOrder.findUniqueOrThrow({ where: { purchaseId }, include: { items: true } });
      expect(tombstone).toMatchObject({ id: late.orderId, status: 'RELEASED', items: [] });
    });

    it('leaves a sold order alone', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();
      await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 4 }] });
      await supplier.confirmSale({ purchaseId });

      await supplier.releaseReservation({ purchaseId });

      expect(await stockOf(sku)).toEqual({ available: 6, reserved: 0 });
    });
  });

  describe('confirmSale', () => {
    it('takes the reserved units out of stock, once however often it runs', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();
      await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 2 }] });

      await supplier.confirmSale({ purchaseId });
      await supplier.confirmSale({ purchaseId });

      expect(await stockOf(sku)).toEqual({ available: 8, reserved: 0 });
      expect(await db.supplierOrder.findUniqueOrThrow({ where: { purchaseId } })).toMatchObject({ status: 'SOLD' });
    });

    it('fails with a non-retryable RESERVATION_MISSING when nothing was reserved', async () => {
      const failure = await refusalOf(supplier.confirmSale({ purchaseId: randomUUID() }));

      expect(failure.type).toBe('RESERVATION_MISSING');
      expect(failure.nonRetryable).toBe(true);
    });

    it('fails with RESERVATION_MISSING when the reservation was released', async () => {
      const sku = await stocked(10);
      const purchaseId = randomUUID();
      await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 2 }] });
      await supplier.releaseReservation({ purchaseId });

      const failure = await refusalOf(supplier.confirmSale({ purchaseId }));

      expect(failure.type).toBe('RESERVATION_MISSING');
      expect(await stockOf(sku)).toEqual({ available: 10, reserved: 0 });
    });
  });

  describe('stock administration', () => {
    it('sets what is available and keeps what purchases in flight hold', async () => {
      const sku = await stocked(10);
      await supplier.reserveStock({ purchaseId: randomUUID(), items: [{ sku, quantity: 3 }] });

      expect(await setAvailable(db, sku, 50)).toEqual({ sku, available: 50, reserved: 3 });
      expect(await getStock(db, sku)).toEqual({ sku, available: 50, reserved: 3 });
    });

    it('creates the stock of a new SKU', async () => {
      const sku = `NEW-${randomUUID().slice(0, 8)}`;

      expect(await setAvailable(db, sku, 7)).toEqual({ sku, available: 7, reserved: 0 });
      expect(await listStock(db)).toContainEqual({ sku, available: 7, reserved: 0 });
      expect(await getStock(db, 'NO-SUCH-SKU')).toBeUndefined();
    });

    it('seeds the catalog only into an empty inventory', async () => {
      const fresh = await createTestDatabases(engine);
      try {
        const catalog = [
          { sku: 'SEED-1', stock: 3 },
          { sku: 'SEED-2', stock: 4 },
        ];
        expect(await seedStock(fresh.supplier, catalog)).toBe(true);
        await setAvailable(fresh.supplier, 'SEED-1', 1);
        expect(await seedStock(fresh.supplier, catalog)).toBe(false);

        expect(await listStock(fresh.supplier)).toEqual([
          { sku: 'SEED-1', available: 1, reserved: 0 },
          { sku: 'SEED-2', available: 4, reserved: 0 },
        ]);
      } finally {
        await fresh.drop();
      }
    });
  });

  describe('the supplier record', () => {
    it("keeps the supplier's name and lead time, and dates each order by it", async () => {
      const lead = createSupplierActivities(db, {
        supplierName: 'Lead Time Supply',
        leadTimeDays: 3,
        now: () => new Date('2031-05-01T10:00:00Z'),
      });
      const sku = await stocked(5);
      const purchaseId = randomUUID();

      await lead.reserveStock({ purchaseId, items: [{ sku, quantity: 1 }] });

      const order = await findSupplierOrder(db, purchaseId);
      expect(order).toMatchObject({
        supplier: { name: 'Lead Time Supply', leadTimeDays: 3 },
        expectedShipDate: '2031-05-04',
        items: [{ sku, quantity: 1 }],
      });
      expect(await db.supplier.count({ where: { name: 'Lead Time Supply' } })).toBe(1);
    });

    it('writes the record once when supplier instances start at once, and follows a changed lead time', async () => {
      const name = `Racing Supply ${randomUUID().slice(0, 8)}`;
      await Promise.all(Array.from({ length: 5 }, () => ensureSupplier(db, { name, leadTimeDays: 2 })));
      expect(await db.supplier.findMany({ where: { name } })).toEqual([expect.objectContaining({ leadTimeDays: 2 })]);

      await ensureSupplier(db, { name, leadTimeDays: 4 });
      expect(await db.supplier.findUniqueOrThrow({ where: { name } })).toMatchObject({ leadTimeDays: 4 });
    });
  });

  describe('the supplier HTTP API', () => {
    const api = () => createSupplierApi(db);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json = async (response: Response): Promise<any> => response.json();
    const put = (sku: string, body: unknown) =>
      api().request(`/inventory/${sku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('answers its health check', async () => {
      const response = await api().request('/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('serves one SKU and the whole inventory', async () => {
      const sku = await stocked(9, 1);

      const one = await api().request(`/inventory/${sku}`);
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual({ sku, available: 9, reserved: 1 });

      const all = await api().request('/inventory');
      expect(all.status).toBe(200);
      expect((await json(all)).items).toContainEqual({ sku, available: 9, reserved: 1 });
    });

    it('answers 404 NOT_FOUND for an unknown SKU', async () => {
      const response = await api().request('/inventory/NO-SUCH-SKU');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    });

    it('sets the available stock with PUT', async () => {
      const sku = await stocked(1, 2);

      const response = await put(sku, { available: 30 });

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ sku, available: 30, reserved: 2 });
    });

    it('refuses an invalid body with 400 VALIDATION_FAILED and the field errors', async () => {
      const sku = await stocked(1);

      for (const body of [{ available: -1 }, { available: 'many' }, {}, { available: 1, reserved: 0 }]) {
        const response = await put(sku, body);
        expect(response.status).toBe(400);
        const answer = await json(response);
        expect(answer.error.code).toBe('VALIDATION_FAILED');
        expect(answer.error.details).toBeDefined();
      }
      expect(await stockOf(sku)).toEqual({ available: 1, reserved: 0 });
    });

    it('refuses a body that is not JSON with 400 VALIDATION_FAILED', async () => {
      const response = await api().request('/inventory/SKU-1', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{not json',
      });
      expect(response.status).toBe(400);
      expect((await json(response)).error.code).toBe('VALIDATION_FAILED');
    });

    it('refuses an invalid SKU in the path with 400 VALIDATION_FAILED', async () => {
      const response = await put('bad%20sku!', { available: 1 });
      expect(response.status).toBe(400);
      expect((await json(response)).error.code).toBe('VALIDATION_FAILED');
    });

    it("serves a purchase's supplier order with its items, and 404 when there is none", async () => {
      const sku = await stocked(5);
      const purchaseId = randomUUID();
      const { orderId } = await supplier.reserveStock({ purchaseId, items: [{ sku, quantity: 2 }] });

      const response = await api().request(`/orders/${purchaseId}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        order: expect.objectContaining({ id: orderId, purchaseId, status: 'RESERVED', items: [{ sku, quantity: 2 }] }),
      });

      expect((await api().request(`/orders/${randomUUID()}`)).status).toBe(404);
    });
  });
});
