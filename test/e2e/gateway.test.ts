import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createSystemDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';
import type { PurchaseRequest } from '../../client';
import { taskQueues } from '../../contracts/temporal';
import { startSystem, type RunningSystem } from '../../harness/system';

const run = promisify(execFile);

let system: RunningSystem;
/** The Temporal CLI, against the running system's server. */
const temporalCli = (...args: string[]) => run(process.env.TEMPORAL_CLI!, [...args, '--address', system.temporalAddress]);
let admin: string;

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const toronto = { ...lisbon, city: 'Toronto', postalCode: 'M5V 2T6', country: 'CA' };

describeEachEngine('the system', (engine) => {
  let databases: Awaited<ReturnType<typeof createSystemDatabases>> | undefined;

  // Every service on the engine's own fresh databases (SQLite: files in the system's throw-away folder), migrated by
  // the services themselves at start, as `npm start` does.
  beforeAll(async () => {
    databases = await createSystemDatabases(engine);
    system = await startSystem({ env: databases.env });
    admin = await system.adminToken();
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await databases?.drop();
  });

  // Every call goes through the typed client generated from the gateway's OpenAPI document (client/).
  const as = (token?: string) => system.client(token);

  /** A product of the test's own, so tests never share stock. */
  async function product(sku: string, stock: number, priceCents = 1000) {
    const created = await as(admin).POST('/products', { body: { sku, name: `Item ${sku}`, priceCents, stock } });
    expect(created.response.status).toBe(201);
  }

  async function inventory(sku: string) {
    const answer = await as(admin).GET('/inventory/{sku}', { params: { path: { sku } } });
    expect(answer.response.status).toBe(200);
    return answer.data;
  }

  async function buy(token: string, items: PurchaseRequest['items'], extra: Partial<PurchaseRequest> = {}) {
    return as(token).POST('/purchases', { body: { items, address: lisbon, ...extra } });
  }

  /** The purchase a 202 answered. */
  function accepted(answer: Awaited<ReturnType<typeof buy>>) {
    expect(answer.response.status).toBe(202);
    return answer.data!.purchase;
  }

  describe('a purchase through the gateway', () => {
    it('registers, logs in, buys, and sees the purchase complete with the stock sold', async () => {
      await product('E2E-HAPPY', 10, 1250);
      const buyer = await system.newUser('ada');
      expect((await as(buyer.token).GET('/auth/me')).data?.user).toMatchObject({
        email: buyer.email,
        role: 'USER',
      });

      const created = accepted(await buy(buyer.token, [{ sku: 'E2E-HAPPY', quantity: 2 }], { voucher: { code: 'WELCOME10' } }));
      expect(created).toMatchObject({
        status: 'RECEIVED',
        workflowId: `purchase-${created.id}`,
        items: [{ sku: 'E2E-HAPPY', quantity: 2, unitPriceCents: 1250 }],
        totalCents: 2250,
        discountCents: 250,
      });

      const done = await system.waitForPurchase(buyer.token, created.id, ['COMPLETED', 'FAILED', 'CANCELLED']);
      expect(done.status).toBe('COMPLETED');
      expect(done.history.map((entry) => entry.status)).toEqual([
        'RECEIVED',
        'ORDER_REQUESTED',
        'RESERVE_DELIVERED',
        'COMPLETED',
      ]);
      const supplier = done.supplier!;
      const deliveryRef = done.delivery!;
      expect(supplier.orderId).toBeTruthy();
      expect(deliveryRef).toMatchObject({ status: 'DISPATCHED' });
      expect(await inventory('E2E-HAPPY')).toEqual({ sku: 'E2E-HAPPY', available: 8, reserved: 0 });

      const delivery = await as(admin).GET('/deliveries/{id}', { params: { path: { id: deliveryRef.id } } });
      expect(delivery.response.status).toBe(200);
      expect(delivery.data?.delivery).toMatchObject({ id: deliveryRef.id, status: 'DISPATCHED' });
      expect(delivery.data?.delivery.history.map((event) => event.status)).toEqual(['SCHEDULED', 'DISPATCHED']);

      const order = await as(admin).GET('/orders/{purchaseId}', { params: { path: { purchaseId: created.id } } });
      expect(order.response.status).toBe(200);
      expect(order.data?.order).toMatchObject({
        id: supplier.orderId,
        purchaseId: created.id,
        status: 'SOLD',
        supplier: { name: supplier.name, leadTimeDays: expect.any(Number) },
        expectedShipDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        items: [{ sku: 'E2E-HAPPY', quantity: 2 }],
      });
      const forbidden = await as(buyer.token).GET('/orders/{purchaseId}', { params: { path: { purchaseId: created.id } } });
      expect(forbidden.response.status).toBe(403);
      expect(forbidden.error?.error.code).toBe('FORBIDDEN');
      const missing = await as(admin).GET('/orders/{purchaseId}', { params: { path: { purchaseId: 'no-such-purchase' } } });
      expect(missing.response.status).toBe(404);

      const listed = await as(buyer.token).GET('/purchases');
      expect(listed.data?.items.map((purchase) => purchase.id)).toEqual([created.id]);
    });

    it('fails a purchase larger than the stock with OUT_OF_STOCK and keeps the stock', async () => {
      await product('E2E-SCARCE', 1);
      const buyer = await system.newUser();
      const created = accepted(await buy(buyer.token, [{ sku: 'E2E-SCARCE', quantity: 2 }]));
      const done = await system.waitForPurchase(buyer.token, created.id, ['FAILED', 'COMPLETED']);
      expect(done.failure).toMatchObject({ code: 'OUT_OF_STOCK' });
      expect(await inventory('E2E-SCARCE')).toMatchObject({ available: 1, reserved: 0 });
    });

    it('fails an unserved country with UNSERVED_COUNTRY and releases the reservation', async () => {
      await product('E2E-ABROAD', 5);
      const buyer = await system.newUser();
      const created = accepted(await buy(buyer.token, [{ sku: 'E2E-ABROAD', quantity: 3 }], { address: toronto }));
      const done = await system.waitForPurchase(buyer.token, created.id, ['FAILED', 'COMPLETED']);
      expect(done.status).toBe('FAILED');
      expect(done.failure).toMatchObject({ code: 'UNSERVED_COUNTRY' });
      expect(done.history.map((entry) => entry.status)).toContain('COMPENSATING');
      expect(await inventory('E2E-ABROAD')).toMatchObject({ available: 5, reserved: 0 });
    });

    it('fails an invalid voucher with INVALID_VOUCHER', async () => {
      await product('E2E-VOUCHER', 5);
      const buyer = await system.newUser();
      const created = accepted(await buy(buyer.token, [{ sku: 'E2E-VOUCHER', quantity: 1 }], { voucher: { code: 'NOT-A-CODE' } }));
      const done = await system.waitForPurchase(buyer.token, created.id, ['FAILED', 'COMPLETED']);
      expect(done.failure).toMatchObject({ code: 'INVALID_VOUCHER' });
      expect(await inventory('E2E-VOUCHER')).toMatchObject({ available: 5, reserved: 0 });
    });

    it('never oversells when more buyers race than there is stock', async () => {
      await product('E2E-RACE', 5);
      const buyers = await Promise.all(Array.from({ length: 10 }, () => system.newUser('racer')));
      const answers = await Promise.all(buyers.map((buyer) => buy(buyer.token, [{ sku: 'E2E-RACE', quantity: 1 }])));
      expect(answers.map((answer) => answer.response.status)).toEqual(Array(10).fill(202));
      const outcomes = await Promise.all(
        answers.map((answer, index) =>
          system.waitForPurchase(buyers[index].token, answer.data!.purchase.id, ['COMPLETED', 'FAILED', 'CANCELLED'], 90_000),
        ),
      );
      const completed = outcomes.filter((purchase) => purchase.status === 'COMPLETED');
      const refused = outcomes.filter((purchase) => purchase.failure?.code === 'OUT_OF_STOCK');
      expect(completed).toHaveLength(5);
      expect(refused).toHaveLength(5);
      expect(await inventory('E2E-RACE')).toMatchObject({ available: 0, reserved: 0 });
    });

    it('makes one purchase of the same Idempotency-Key sent five times at once', async () => {
      await product('E2E-ONCE', 10);
      const buyer = await system.newUser();
      const key = `order-${Date.now()}`;
      const buyOnce = () =>
        as(buyer.token).POST('/purchases', {
          params: { header: { 'idempotency-key': key } },
          body: { items: [{ sku: 'E2E-ONCE', quantity: 1 }], address: lisbon },
        });
      const answers = await Promise.all(Array.from({ length: 5 }, buyOnce));
      expect(answers.map((answer) => answer.response.status)).toEqual(Array(5).fill(202));
      const ids = new Set(answers.map((answer) => answer.data!.purchase.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      await system.waitForPurchase(buyer.token, id, ['COMPLETED']);
      const listed = await as(buyer.token).GET('/purchases');
      expect(listed.data?.items).toHaveLength(1);
      expect(await inventory('E2E-ONCE')).toMatchObject({ available: 9, reserved: 0 });

      const again = await buyOnce();
      expect(again.data?.purchase).toMatchObject({ id, status: 'COMPLETED' });
    });

    it("keeps one user out of another's purchase: not seen, not listed, not cancelled", async () => {
      await product('E2E-PRIVATE', 5);
      const [owner, stranger] = [await system.newUser('owner'), await system.newUser('stranger')];
      const { id } = accepted(await buy(owner.token, [{ sku: 'E2E-PRIVATE', quantity: 1 }]));
      const path = { path: { id } };

      expect((await as(stranger.token).GET('/purchases/{id}', { params: path })).response.status).toBe(404);
      expect((await as(stranger.token).POST('/purchases/{id}/cancel', { params: path, body: {} })).response.status).toBe(404);
      expect((await as(stranger.token).GET('/purchases')).data?.items).toEqual([]);
      expect((await as(admin).GET('/purchases/{id}', { params: path })).response.status).toBe(200);
      expect((await as().GET('/purchases/{id}', { params: path })).response.status).toBe(401);
      const done = await system.waitForPurchase(owner.token, id, ['COMPLETED']);
      expect(done.status).toBe('COMPLETED');
    });

    it('cancels over REST inside the window, and refuses with 409 once completed', async () => {
      await product('E2E-CANCEL', 5);
      const buyer = await system.newUser();
      const { id } = accepted(await buy(buyer.token, [{ sku: 'E2E-CANCEL', quantity: 2 }]));
      await system.waitForPurchase(buyer.token, id, ['RESERVE_DELIVERED']);

      const cancel = await as(buyer.token).POST('/purchases/{id}/cancel', { params: { path: { id } }, body: { reason: 'oops' } });
      expect(cancel.response.status).toBe(202);
      const done = await system.waitForPurchase(buyer.token, id, ['CANCELLED', 'COMPLETED']);
      expect(done.status).toBe('CANCELLED');
      expect(done.delivery).toMatchObject({ status: 'CANCELLED' });
      expect(await inventory('E2E-CANCEL')).toMatchObject({ available: 5, reserved: 0 });
      const carrierCopy = await as(admin).GET('/deliveries/{id}', { params: { path: { id: done.delivery!.id } } });
      expect(carrierCopy.data?.delivery.status).toBe('CANCELLED');

      const other = accepted(await buy(buyer.token, [{ sku: 'E2E-CANCEL', quantity: 1 }]));
      await system.waitForPurchase(buyer.token, other.id, ['COMPLETED']);
      const late = await as(buyer.token).POST('/purchases/{id}/cancel', { params: { path: { id: other.id } }, body: {} });
      expect(late.response.status).toBe(409);
      expect(late.error?.error.code).toBe('NOT_CANCELLABLE');
    });

    it('cancels a held purchase with the Temporal CLI and answers its status query', async () => {
      await product('E2E-CLI', 5);
      const buyer = await system.newUser();
      const { id } = accepted(await buy(buyer.token, [{ sku: 'E2E-CLI', quantity: 1 }]));
      await system.waitForPurchase(buyer.token, id, ['RESERVE_DELIVERED']);
      // The answer is encrypted (codec/): the CLI reads it through the gateway's codec server, as an ADMIN.
      const query = await temporalCli(
        'workflow', 'query', '--workflow-id', `purchase-${id}`, '--type', 'status', '-o', 'json',
        '--codec-endpoint', `${system.urls.gateway}/codec`, '--codec-auth', `Bearer ${admin}`,
      );
      expect(query.stdout).toContain('RESERVE_DELIVERED');
      await temporalCli('workflow', 'signal', '--workflow-id', `purchase-${id}`, '--name', 'cancel', '--input', '{"reason":"changed my mind"}');
      const done = await system.waitForPurchase(buyer.token, id, ['CANCELLED', 'COMPLETED']);
      expect(done.status).toBe('CANCELLED');
      expect(done.failure).toEqual({ code: 'CANCELLED', message: 'changed my mind' });
      expect(await inventory('E2E-CLI')).toMatchObject({ available: 5, reserved: 0 });

      const listed = await temporalCli('workflow', 'list', '--query', `PurchaseStatus = 'CANCELLED'`, '-o', 'json');
      expect(listed.stdout).toContain(`purchase-${id}`);
    });

    it('completes a purchase held in its window across a restart of every process, Temporal included', async () => {
      await product('E2E-RESTART', 5);
      const buyer = await system.newUser();
      const { id } = accepted(await buy(buyer.token, [{ sku: 'E2E-RESTART', quantity: 2 }]));
      await system.waitForPurchase(buyer.token, id, ['RESERVE_DELIVERED']);

      await system.restart();
      const login = await as().POST('/auth/login', { body: { email: buyer.email, password: buyer.password } });
      admin = await system.adminToken();
      const done = await system.waitForPurchase(login.data!.token, id, ['COMPLETED', 'FAILED', 'CANCELLED']);
      expect(done.status).toBe('COMPLETED');
      expect(await inventory('E2E-RESTART')).toMatchObject({ available: 3, reserved: 0 });
    });

    it('shows each purchase on the supplier and carrier task queues in its history, and its record writes as local activities', async () => {
      await product('E2E-HISTORY', 5);
      const buyer = await system.newUser();
      const created = accepted(await buy(buyer.token, [{ sku: 'E2E-HISTORY', quantity: 1 }]));
      await system.waitForPurchase(buyer.token, created.id, ['COMPLETED']);
      const { stdout } = await temporalCli('workflow', 'show', '--workflow-id', `purchase-${created.id}`, '-o', 'json');
      const events = JSON.parse(stdout).events as { eventType: string; markerRecordedEventAttributes?: { markerName: string } }[];
      const scheduled = events.filter((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
      const queues = scheduled.map(
        (event: any) =>
          `${event.activityTaskScheduledEventAttributes.activityType.name}@${event.activityTaskScheduledEventAttributes.taskQueue.name}`,
      );
      expect(queues).toEqual(
        expect.arrayContaining([
          'reserveStock@supplier',
          'scheduleDelivery@carrier',
          'confirmSale@supplier',
          'dispatchDelivery@carrier',
        ]),
      );
      // The store's four record writes run on the orchestrator as local activities: markers, not scheduled tasks.
      expect(queues.filter((queue: string) => queue.endsWith('@purchases'))).toEqual([]);
      expect(events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(4);
    });

    it('serves each task queue from one partition on the dev server', async () => {
      for (const taskQueue of Object.values(taskQueues)) {
        const { stdout } = await temporalCli('task-queue', 'list-partition', '--task-queue', taskQueue, '-o', 'json');
        const partitions = JSON.parse(stdout) as Record<'workflowTaskQueuePartitions' | 'activityTaskQueuePartitions', { key: string }[]>;
        expect(partitions.workflowTaskQueuePartitions.map((partition) => partition.key)).toEqual([taskQueue]);
        expect(partitions.activityTaskQueuePartitions.map((partition) => partition.key)).toEqual([taskQueue]);
      }
    });
  });

  describe('the API documentation page', () => {
    it('renders every contract route in Swagger UI in a real browser, with no asset from outside', async () => {
      const { launchBrowser } = await import('../support/browser');
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        const requested: string[] = [];
        page.on('request', (request) => requested.push(request.url()));
        await page.goto(`${system.urls.gateway}/docs`);
        await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
        const operations = await page.$$eval('.opblock-summary', (blocks) =>
          blocks.map((block) => block.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
        );
        for (const [method, path] of [
          ['POST', '/auth/register'],
          ['POST', '/auth/login'],
          ['GET', '/products'],
          ['PUT', '/inventory/{sku}'],
          ['GET', '/deliveries/{id}'],
          ['POST', '/purchases'],
          ['POST', '/purchases/{id}/cancel'],
          ['GET', '/ready'],
        ]) {
          expect(operations.some((text) => text.startsWith(method) && text.includes(path))).toBe(true);
        }
        expect(requested.filter((url) => !url.startsWith(system.urls.gateway))).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});
