import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createCarrierActivities } from '../../activities/carrier/activities';
import { bookingHorizonDays, estimatedDeliveryDate, newTrackingNumber, nextBusinessDay } from '../../activities/carrier/booking';
import { createCarrierApi } from '../../activities/carrier/http';
import type { CarrierActivities } from '../../contracts/activities';
import type { Address } from '../../contracts/purchase';
import type { CarrierDb } from '../../prisma/clients';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';

const lisbon: Address = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const toronto: Address = { ...lisbon, city: 'Toronto', postalCode: 'M5V 2T6', country: 'CA' };

let dbs: TestDatabases;
let db: CarrierDb;
let carrier: CarrierActivities;

describeEachEngine('the carrier', (engine) => {
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
    db = dbs.carrier;
    carrier = createCarrierActivities(db, { carrierName: 'Test Parcel', dailyCapacity: 1000 });
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

  describe('daily capacity', () => {
    /** A carrier with room for `capacity` deliveries a day, on a clock of its own so its days are its own. */
    function carrierWithCapacity(capacity: number, today: string) {
      return createCarrierActivities(db, {
        carrierName: 'Test Parcel',
        dailyCapacity: capacity,
        now: () => new Date(`${today}T09:00:00Z`),
      });
    }
    const booked = async (date: string) => (await db.deliveryDay.findUnique({ where: { date } }))?.booked ?? 0;

    it('books the earliest day with room, moves to the next business day when it is full, and a cancel frees the slot', async () => {
      // Thursday 2031-01-02: the promised date is Monday 2031-01-06 (two business days); the next one is Tuesday.
      const small = carrierWithCapacity(2, '2031-01-02');
      const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];

      expect((await small.scheduleDelivery({ purchaseId: first, address: lisbon })).estimatedDate).toBe('2031-01-06');
      expect((await small.scheduleDelivery({ purchaseId: second, address: lisbon })).estimatedDate).toBe('2031-01-06');
      expect((await small.scheduleDelivery({ purchaseId: third, address: lisbon })).estimatedDate).toBe('2031-01-07');
      expect([await booked('2031-01-06'), await booked('2031-01-07')]).toEqual([2, 1]);

      await small.cancelDelivery({ purchaseId: first });
      await small.cancelDelivery({ purchaseId: first });
      expect(await booked('2031-01-06')).toBe(1);
      expect((await small.scheduleDelivery({ purchaseId: randomUUID(), address: lisbon })).estimatedDate).toBe('2031-01-06');
    });

    it('never books a day beyond its capacity when 12 bookings race', async () => {
      const small = carrierWithCapacity(3, '2031-02-03'); // Monday: the promised date is Wednesday 2031-02-05.

      const deliveries = await Promise.all(
        Array.from({ length: 12 }, () => small.scheduleDelivery({ purchaseId: randomUUID(), address: lisbon })),
      );

      const perDay = new Map<string, number>();
      for (const { estimatedDate } of deliveries) perDay.set(estimatedDate, (perDay.get(estimatedDate) ?? 0) + 1);
      expect(Object.fromEntries(perDay)).toEqual({ '2031-02-05': 3, '2031-02-06': 3, '2031-02-07': 3, '2031-02-10': 3 });
      for (const date of perDay.keys()) expect(await booked(date)).toBe(3);
    });

    it('refuses with a non-retryable NO_DELIVERY_CAPACITY once its 60-business-day horizon is full, and books nothing', async () => {
      // Monday 2032-03-01: the promised date is Wednesday 2032-03-03, the horizon's 60th business day Tuesday 2032-05-25.
      const small = carrierWithCapacity(1, '2032-03-01');
      const horizon = [estimatedDeliveryDate(new Date('2032-03-01T09:00:00Z'))];
      while (horizon.length < bookingHorizonDays) horizon.push(nextBusinessDay(horizon[horizon.length - 1]));
      expect([horizon[0], horizon[59]]).toEqual(['2032-03-03', '2032-05-25']);
      // Every day but the last is full, as earlier bookings would have left it.
      await db.deliveryDay.createMany({ data: horizon.slice(0, -1).map((date) => ({ date, booked: 1 })) });

      const last = randomUUID();
      expect((await small.scheduleDelivery({ purchaseId: last, address: lisbon })).estimatedDate).toBe('2032-05-25');

      const refused = randomUUID();
      const failure = await failureOf(small.scheduleDelivery({ purchaseId: refused, address: lisbon }));
      expect(failure.type).toBe('NO_DELIVERY_CAPACITY');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(/60 business days/);
      expect(await db.delivery.count({ where: { purchaseId: refused } })).toBe(0);
      // Nothing beyond the horizon was tried, and no day gained a booking.
      expect(await db.deliveryDay.findUnique({ where: { date: '2032-05-26' } })).toBeNull();
      const days = await db.deliveryDay.findMany({ where: { date: { gte: '2032-03-01', lte: '2032-06-30' } } });
      expect(days).toHaveLength(60);
      expect(days.every((day) => day.booked === 1)).toBe(true);

      // A cancellation gives a slot back, and the next booking takes it.
      await small.cancelDelivery({ purchaseId: last });
      expect((await small.scheduleDelivery({ purchaseId: refused, address: lisbon })).estimatedDate).toBe('2032-05-25');
    });
  });

  describe('status history', () => {
    it('records each status a delivery has, in order', async () => {
      const purchaseId = randomUUID();
      const { id } = await carrier.scheduleDelivery({ purchaseId, address: lisbon });
      await carrier.dispatchDelivery({ purchaseId });
      await carrier.dispatchDelivery({ purchaseId });
      await carrier.cancelDelivery({ purchaseId });

      const events = await db.deliveryEvent.findMany({ where: { deliveryId: id }, orderBy: { sequence: 'asc' } });
      expect(events.map(({ sequence, status }) => ({ sequence, status }))).toEqual([
        { sequence: 1, status: 'SCHEDULED' },
        { sequence: 2, status: 'DISPATCHED' },
      ]);
    });

    it('gives a tombstone the one status CANCELLED', async () => {
      const purchaseId = randomUUID();
      await carrier.cancelDelivery({ purchaseId });
      const response = await createCarrierApi(db).request(`/deliveries?purchaseId=${purchaseId}`);
      const { items } = (await response.json()) as { items: { history: { status: string }[] }[] };
      expect(items[0].history.map((event) => event.status)).toEqual(['CANCELLED']);
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
          history: [{ status: 'SCHEDULED', at: expect.any(String) }],
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
});
