import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createCarrierActivities } from '../../activities/carrier/activities';
import { estimatedDeliveryDate, newTrackingNumber } from '../../activities/carrier/booking';
import { createCarrierApi } from '../../activities/carrier/http';
import type { CarrierActivities } from '../../contracts/activities';
import type { Address } from '../../contracts/purchase';
import type { CarrierDb } from '../../prisma/clients';
import { createTestDatabases, type TestDatabases } from '../support/databases';

const lisbon: Address = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const toronto: Address = { ...lisbon, city: 'Toronto', postalCode: 'M5V 2T6', country: 'CA' };

let dbs: TestDatabases;
let db: CarrierDb;
let carrier: CarrierActivities;

beforeAll(async () => {
  dbs = await createTestDatabases();
  db = dbs.carrier;
  carrier = createCarrierActivities(db, { carrierName: 'Test Parcel' });
});
afterAll(() => dbs?.drop());

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const liveDeliveries = (purchaseId: string) =>
  db.delivery.count({ where: { purchaseId, status: { not: 'CANCELLED' } } });

describe('scheduleDelivery', () => {
  it('books a delivery with a tracking number and a date two business days ahead', async () => {
    const purchaseId = randomUUID();

    const delivery = await carrier.scheduleDelivery({ purchaseId, address: lisbon });

    expect(delivery).toEqual({
      id: expect.any(String),
      status: 'SCHEDULED',
      carrier: 'Test Parcel',
      trackingNumber: expect.stringMatching(/^SP[A-Z2-9]{10}$/),
      estimatedDate: estimatedDeliveryDate(new Date()),
    });
    const row = await db.delivery.findUniqueOrThrow({ where: { purchaseId } });
    expect(row).toMatchObject({ id: delivery.id, country: 'PT', address: lisbon });
  });

  it('refuses a country it does not serve with a non-retryable UNSERVED_COUNTRY and books nothing', async () => {
    const purchaseId = randomUUID();

    const failure = await failureOf(carrier.scheduleDelivery({ purchaseId, address: toronto }));

    expect(failure.type).toBe('UNSERVED_COUNTRY');
    expect(failure.nonRetryable).toBe(true);
    expect(await db.delivery.count({ where: { purchaseId } })).toBe(0);
  });

  it('serves PT ES FR DE IT NL BE', async () => {
    for (const country of ['PT', 'ES', 'FR', 'DE', 'IT', 'NL', 'BE']) {
      const delivery = await carrier.scheduleDelivery({ purchaseId: randomUUID(), address: { ...lisbon, country } });
      expect(delivery.status).toBe('SCHEDULED');
    }
  });

  it('books once when it runs twice for one purchase, and answers the same delivery', async () => {
    const purchaseId = randomUUID();

    const first = await carrier.scheduleDelivery({ purchaseId, address: lisbon });
    const second = await carrier.scheduleDelivery({ purchaseId, address: lisbon });

    expect(second).toEqual(first);
    expect(await db.delivery.count({ where: { purchaseId } })).toBe(1);
  });

  it('books once when runs for one purchase race each other', async () => {
    const purchaseId = randomUUID();

    const deliveries = await Promise.all(
      Array.from({ length: 5 }, () => carrier.scheduleDelivery({ purchaseId, address: lisbon })),
    );

    expect(new Set(deliveries.map((delivery) => delivery.trackingNumber)).size).toBe(1);
    expect(await db.delivery.count({ where: { purchaseId } })).toBe(1);
  });
});

describe('cancelDelivery', () => {
  it('cancels a scheduled delivery, once however often it runs', async () => {
    const purchaseId = randomUUID();
    const { id } = await carrier.scheduleDelivery({ purchaseId, address: lisbon });

    await carrier.cancelDelivery({ purchaseId });
    await carrier.cancelDelivery({ purchaseId });

    expect(await db.delivery.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'CANCELLED' });
    expect(await liveDeliveries(purchaseId)).toBe(0);
  });

  it('leaves a tombstone when it comes first, so that a late schedule books nothing', async () => {
    const purchaseId = randomUUID();

    await carrier.cancelDelivery({ purchaseId });
    const late = await carrier.scheduleDelivery({ purchaseId, address: lisbon });

    expect(late.status).toBe('CANCELLED');
    expect(await liveDeliveries(purchaseId)).toBe(0);
    const tombstone = await db.delivery.findUniqueOrThrow({ where: { purchaseId } });
    expect(tombstone).toMatchObject({ id: late.id, trackingNumber: null, estimatedDate: null, address: null });
  });

  it('leaves a dispatched delivery alone', async () => {
    const purchaseId = randomUUID();
    await carrier.scheduleDelivery({ purchaseId, address: lisbon });
    await carrier.dispatchDelivery({ purchaseId });

    await carrier.cancelDelivery({ purchaseId });

    expect(await db.delivery.findUniqueOrThrow({ where: { purchaseId } })).toMatchObject({ status: 'DISPATCHED' });
  });
});

describe('dispatchDelivery', () => {
  it('dispatches a scheduled delivery and answers it, the same however often it runs', async () => {
    const purchaseId = randomUUID();
    const scheduled = await carrier.scheduleDelivery({ purchaseId, address: lisbon });

    const dispatched = await carrier.dispatchDelivery({ purchaseId });
    const again = await carrier.dispatchDelivery({ purchaseId });

    expect(dispatched).toEqual({ ...scheduled, status: 'DISPATCHED' });
    expect(again).toEqual(dispatched);
  });

  it('fails with a non-retryable DELIVERY_MISSING when nothing was booked', async () => {
    const failure = await failureOf(carrier.dispatchDelivery({ purchaseId: randomUUID() }));

    expect(failure.type).toBe('DELIVERY_MISSING');
    expect(failure.nonRetryable).toBe(true);
  });

  it('fails with DELIVERY_MISSING when the delivery was cancelled', async () => {
    const purchaseId = randomUUID();
    await carrier.scheduleDelivery({ purchaseId, address: lisbon });
    await carrier.cancelDelivery({ purchaseId });

    const failure = await failureOf(carrier.dispatchDelivery({ purchaseId }));

    expect(failure.type).toBe('DELIVERY_MISSING');
    expect(await db.delivery.findUniqueOrThrow({ where: { purchaseId } })).toMatchObject({ status: 'CANCELLED' });
  });
});

describe('booking details', () => {
  it('promises delivery two business days ahead, skipping the weekend', () => {
    expect(estimatedDeliveryDate(new Date('2026-11-23T10:00:00Z'))).toBe('2026-11-25'); // Monday → Wednesday
    expect(estimatedDeliveryDate(new Date('2026-11-26T23:30:00Z'))).toBe('2026-11-30'); // Thursday → Monday
    expect(estimatedDeliveryDate(new Date('2026-11-27T08:00:00Z'))).toBe('2026-12-01'); // Friday → Tuesday
    expect(estimatedDeliveryDate(new Date('2026-11-28T08:00:00Z'))).toBe('2026-12-01'); // Saturday → Tuesday
  });

  it('draws tracking numbers that do not repeat', () => {
    const numbers = new Set(Array.from({ length: 1000 }, newTrackingNumber));
    expect(numbers.size).toBe(1000);
  });
});

describe('the carrier HTTP API', () => {
  const api = () => createCarrierApi(db);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = async (response: Response): Promise<any> => response.json();

  it('answers its health check', async () => {
    const response = await api().request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves a delivery by id', async () => {
    const purchaseId = randomUUID();
    const booked = await carrier.scheduleDelivery({ purchaseId, address: lisbon });

    const response = await api().request(`/deliveries/${booked.id}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      delivery: {
        ...booked,
        purchaseId,
        country: 'PT',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
  });

  it('answers 404 NOT_FOUND for an unknown delivery', async () => {
    const response = await api().request(`/deliveries/${randomUUID()}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it("lists a purchase's delivery by purchase id", async () => {
    const purchaseId = randomUUID();
    const booked = await carrier.scheduleDelivery({ purchaseId, address: lisbon });

    const response = await api().request(`/deliveries?purchaseId=${purchaseId}`);
    expect(response.status).toBe(200);
    expect((await json(response)).items).toEqual([expect.objectContaining({ id: booked.id, purchaseId })]);

    const none = await api().request(`/deliveries?purchaseId=${randomUUID()}`);
    expect(await none.json()).toEqual({ items: [] });
  });

  it('shows a tombstone as cancelled, with no tracking number or date', async () => {
    const purchaseId = randomUUID();
    await carrier.cancelDelivery({ purchaseId });

    const response = await api().request(`/deliveries?purchaseId=${purchaseId}`);

    expect((await json(response)).items).toEqual([
      expect.objectContaining({ status: 'CANCELLED', trackingNumber: '', estimatedDate: '', country: '' }),
    ]);
  });

  it('refuses an unknown query parameter with 400 VALIDATION_FAILED', async () => {
    const response = await api().request('/deliveries?customer=ada');
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details).toBeDefined();
  });
});
