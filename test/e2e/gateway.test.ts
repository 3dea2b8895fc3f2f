import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createSystemDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';
import { startSystem, type RunningSystem } from '../support/system';

const run = promisify(execFile);

let system: RunningSystem;
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

  /** A product of the test's own, so tests never share stock. */
  async function product(sku: string, stock: number, priceCents = 1000) {
    const created = await system.api('POST', '/products', { token: admin, body: { sku, name: `Item ${sku}`, priceCents, stock } });
    expect(created.status).toBe(201);
  }

  async function inventory(sku: string) {
    const answer = await system.api('GET', `/inventory/${sku}`, { token: admin });
    expect(answer.status).toBe(200);
    return answer.body;
  }

  async function buy(token: string, items: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}) {
    return system.api('POST', '/purchases', { token, body: { items, address: lisbon, ...extra } });
  }

  describe('a purchase through the gateway', () => {
    it('registers, logs in, buys, and sees the purchase complete with the stock sold', async () => {
      await product('E2E-HAPPY', 10, 1250);
      const buyer = await system.newUser('ada');
      expect((await system.api('GET', '/auth/me', { token: buyer.token })).body.user).toMatchObject({
        email: buyer.email,
        role: 'USER',
      });

      const answer = await buy(buyer.token, [{ sku: 'E2E-HAPPY', quantity: 2 }], { voucher: { code: 'WELCOME10' } });
      expect(answer.status).toBe(202);
      const created = answer.body.purchase;
      expect(created).toMatchObject({
        status: 'RECEIVED',
        workflowId: `purchase-${created.id}`,
        items: [{ sku: 'E2E-HAPPY', quantity: 2, unitPriceCents: 1250 }],
        totalCents: 2250,
        discountCents: 250,
      });

      const done = await system.waitForPurchase(buyer.token, created.id, ['COMPLETED', 'FAILED', 'CANCELLED']);
      expect(done.status).toBe('COMPLETED');
      expect(done.history.map((entry: { status: string }) => entry.status)).toEqual([
        'RECEIVED',
        'ORDER_REQUESTED',
        'RESERVE_DELIVERED',
        'COMPLETED',
      ]);
      expect(done.supplier.orderId).toBeTruthy();
      expect(done.delivery).toMatchObject({ status: 'DISPATCHED' });
      expect(await inventory('E2E-HAPPY')).toEqual({ sku: 'E2E-HAPPY', available: 8, reserved: 0 });

      const delivery = await system.api('GET', `/deliveries/${done.delivery.id}`, { token: admin });
      expect(delivery.status).toBe(200);
      expect(delivery.body.delivery).toMatchObject({ id: done.delivery.id, status: 'DISPATCHED' });
      expect(delivery.body.delivery.history.map((event: { status: string }) => event.status)).toEqual(['SCHEDULED', 'DISPATCHED']);

      const order = await system.api('GET', `/orders/${created.id}`, { token: admin });
      expect(order.status).toBe(200);
      expect(order.body.order).toMatchObject({
        id: done.supplier.orderId,
        purchaseId: created.id,
        status: 'SOLD',
        supplier: { name: done.supplier.name, leadTimeDays: expect.any(Number) },
        expectedShipDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        items: [{ sku: 'E2E-HAPPY', quantity: 2 }],
      });
      expect((await system.api('GET', `/orders/${created.id}`, { token: buyer.token })).status).toBe(403);
      expect((await system.api('GET', '/orders/no-such-purchase', { token: admin })).status).toBe(404);

      const listed = await system.api('GET', '/purchases', { token: buyer.token });
      expect(listed.body.items.map((purchase: { id: string }) => purchase.id)).toEqual([created.id]);
    });

    it('fails a purchase larger than the stock with OUT_OF_STOCK and keeps the stock', async () => {
      await product('E2E-SCARCE', 1);
      const buyer = await system.newUser();
      const answer = await buy(buyer.token, [{ sku: 'E2E-SCARCE', quantity: 2 }]);
      expect(answer.status).toBe(202);
      const done = await system.waitForPurchase(buyer.token, answer.body.purchase.id, ['FAILED', 'COMPLETED']);
      expect(done.failure).toMatchObject({ code: 'OUT_OF_STOCK' });
      expect(await inventory('E2E-SCARCE')).toMatchObject({ available: 1, reserved: 0 });
    });

    it('fails an unserved country with UNSERVED_COUNTRY and releases the reservation', async () => {
      await product('E2E-ABROAD', 5);
      const buyer = await system.newUser();
      const answer = await system.api('POST', '/purchases', {
        token: buyer.token,
        body: { items: [{ sku: 'E2E-ABROAD', quantity: 3 }], address: toronto },
      });
      const done = await system.waitForPurchase(buyer.token, answer.body.purchase.id, ['FAILED', 'COMPLETED']);
      expect(done.status).toBe('FAILED');
      expect(done.failure).toMatchObject({ code: 'UNSERVED_COUNTRY' });
      expect(done.history.map((entry: { status: string }) => entry.status)).toContain('COMPENSATING');
      expect(await inventory('E2E-ABROAD')).toMatchObject({ available: 5, reserved: 0 });
    });

    it('fails an invalid voucher with INVALID_VOUCHER', async () => {
      await product('E2E-VOUCHER', 5);
      const buyer = await system.newUser();
      const answer = await buy(buyer.token, [{ sku: 'E2E-VOUCHER', quantity: 1 }], { voucher: { code: 'NOT-A-CODE' } });
      const done = await system.waitForPurchase(buyer.token, answer.body.purchase.id, ['FAILED', 'COMPLETED']);
      expect(done.failure).toMatchObject({ code: 'INVALID_VOUCHER' });
      expect(await inventory('E2E-VOUCHER')).toMatchObject({ available: 5, reserved: 0 });
    });

    it('never oversells when more buyers race than there is stock', async () => {
      await product('E2E-RACE', 5);
      const buyers = await Promise.all(Array.from({ length: 10 }, () => system.newUser('racer')));
      const answers = await Promise.all(buyers.map((buyer) => buy(buyer.token, [{ sku: 'E2E-RACE', quantity: 1 }])));
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(202));
      const outcomes = await Promise.all(
        answers.map((answer, index) =>
          system.waitForPurchase(buyers[index].token, answer.body.purchase.id, ['COMPLETED', 'FAILED', 'CANCELLED'], 90_000),
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
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          system.api('POST', '/purchases', {
            token: buyer.token,
            headers: { 'idempotency-key': key },
            body: { items: [{ sku: 'E2E-ONCE', quantity: 1 }], address: lisbon },
          }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill(202));
      const ids = new Set(answers.map((answer) => answer.body.purchase.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      await system.waitForPurchase(buyer.token, id, ['COMPLETED']);
      const listed = await system.api('GET', '/purchases', { token: buyer.token });
      expect(listed.body.items).toHaveLength(1);
      expect(await inventory('E2E-ONCE')).toMatchObject({ available: 9, reserved: 0 });

      const again = await system.api('POST', '/purchases', {
        token: buyer.token,
        headers: { 'idempotency-key': key },
        body: { items: [{ sku: 'E2E-ONCE', quantity: 1 }], address: lisbon },
      });
      expect(again.body.purchase).toMatchObject({ id, status: 'COMPLETED' });
    });

    it("keeps one user out of another's purchase: not seen, not listed, not cancelled", async () => {
      await product('E2E-PRIVATE', 5);
      const [owner, stranger] = [await system.newUser('owner'), await system.newUser('stranger')];
      const { body } = await buy(owner.token, [{ sku: 'E2E-PRIVATE', quantity: 1 }]);
      const id = body.purchase.id;

      expect((await system.api('GET', `/purchases/${id}`, { token: stranger.token })).status).toBe(404);
      expect((await system.api('POST', `/purchases/${id}/cancel`, { token: stranger.token, body: {} })).status).toBe(404);
      expect((await system.api('GET', '/purchases', { token: stranger.token })).body.items).toEqual([]);
      expect((await system.api('GET', `/purchases/${id}`, { token: admin })).status).toBe(200);
      expect((await system.api('GET', `/purchases/${id}`)).status).toBe(401);
      const done = await system.waitForPurchase(owner.token, id, ['COMPLETED']);
      expect(done.status).toBe('COMPLETED');
    });

    it('cancels over REST inside the window, and refuses with 409 once completed', async () => {
      await product('E2E-CANCEL', 5);
      const buyer = await system.newUser();
      const { body } = await buy(buyer.token, [{ sku: 'E2E-CANCEL', quantity: 2 }]);
      const id = body.purchase.id;
      await system.waitForPurchase(buyer.token, id, ['RESERVE_DELIVERED']);

      const cancel = await system.api('POST', `/purchases/${id}/cancel`, { token: buyer.token, body: { reason: 'oops' } });
      expect(cancel.status).toBe(202);
      const done = await system.waitForPurchase(buyer.token, id, ['CANCELLED', 'COMPLETED']);
      expect(done.status).toBe('CANCELLED');
      expect(done.delivery).toMatchObject({ status: 'CANCELLED' });
      expect(await inventory('E2E-CANCEL')).toMatchObject({ available: 5, reserved: 0 });
      const carrierCopy = await system.api('GET', `/deliveries/${done.delivery.id}`, { token: admin });
      expect(carrierCopy.body.delivery.status).toBe('CANCELLED');

      const other = await buy(buyer.token, [{ sku: 'E2E-CANCEL', quantity: 1 }]);
      await system.waitForPurchase(buyer.token, other.body.purchase.id, ['COMPLETED']);
      const late = await system.api('POST', `/purchases/${other.body.purchase.id}/cancel`, { token: buyer.token, body: {} });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('NOT_CANCELLABLE');
    });

    it('cancels a held purchase with the Temporal CLI and answers its status query', async () => {
      await product('E2E-CLI', 5);
      const buyer = await system.newUser();
      const { body } = await buy(buyer.token, [{ sku: 'E2E-CLI', quantity: 1 }]);
      const id = body.purchase.id;
      await system.waitForPurchase(buyer.token, id, ['RESERVE_DELIVERED']);
      const cli = process.env.TEMPORAL_CLI!;
      const address = ['--address', system.temporalAddress];

      const query = await run(cli, ['workflow', 'query', '--workflow-id', `purchase-${id}`, '--type', 'status', '-o', 'json', ...address]);
      expect(query.stdout).toContain('RESERVE_DELIVERED');
      await run(cli, [
        'workflow',
        'signal',
        '--workflow-id',
        `purchase-${id}`,
        '--name',
        'cancel',
        '--input',
        '{"reason":"changed my mind"}',
        ...address,
      ]);
      const done = await system.waitForPurchase(buyer.token, id, ['CANCELLED', 'COMPLETED']);
      expect(done.status).toBe('CANCELLED');
      expect(done.failure).toEqual({ code: 'CANCELLED', message: 'changed my mind' });
      expect(await inventory('E2E-CLI')).toMatchObject({ available: 5, reserved: 0 });

      const listed = await run(cli, ['workflow', 'list', '--query', `PurchaseStatus = 'CANCELLED'`, '-o', 'json', ...address]);
      expect(listed.stdout).toContain(`purchase-${id}`);
    });

    it('completes a purchase held in its window across a restart of every process, Temporal included', async () => {
      await product('E2E-RESTART', 5);
      const buyer = await system.newUser();
      const { body } = await buy(buyer.token, [{ sku: 'E2E-RESTART', quantity: 2 }]);
      const id = body.purchase.id;
      await system.waitForPurchase(buyer.token, id, ['RESERVE_DELIVERED']);

      await system.restart();
      const login = await system.api('POST', '/auth/login', { body: { email: buyer.email, password: buyer.password } });
      admin = await system.adminToken();
      const done = await system.waitForPurchase(login.body.token, id, ['COMPLETED', 'FAILED', 'CANCELLED']);
      expect(done.status).toBe('COMPLETED');
      expect(await inventory('E2E-RESTART')).toMatchObject({ available: 3, reserved: 0 });
    });

    it('shows each purchase on the supplier and carrier task queues in its history', async () => {
      await product('E2E-HISTORY', 5);
      const buyer = await system.newUser();
      const { body } = await buy(buyer.token, [{ sku: 'E2E-HISTORY', quantity: 1 }]);
      await system.waitForPurchase(buyer.token, body.purchase.id, ['COMPLETED']);
      const { stdout } = await run(process.env.TEMPORAL_CLI!, [
        'workflow',
        'show',
        '--workflow-id',
        `purchase-${body.purchase.id}`,
        '-o',
        'json',
        '--address',
        system.temporalAddress,
      ]);
      const scheduled = JSON.parse(stdout).events.filter(
        (event: { eventType: string }) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      );
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
          'recordPurchase@purchases',
        ]),
      );
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
