import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { erasedText, erasureWorkflowId, type Erasure } from '../../contracts/erasure';
import { confirmSignal, purchaseWorkflowId } from '../../contracts/temporal';
import { startSystem, type RunningSystem } from '../../harness/system';
import { connectCarrier, connectStore, type CarrierDb, type StoreDb } from '../../prisma/clients';

/**
 * Erasing a customer through the real gateway, workers and dev server: a customer with a completed, a compensated and
 * an in-flight purchase is erased. The one in flight compensates; afterwards Temporal has none of their purchase
 * workflows, no row of the carrier's or the store's holds their address, email or words, their token is dead, the
 * books remain, and a second erasure changes nothing.
 */
let system: RunningSystem;
let temporal: Client;
let connection: Connection;
let store: StoreDb;
let carrier: CarrierDb;
let admin: string;
let buyer: Awaited<ReturnType<RunningSystem['newUser']>>;
const ids = { completed: '', compensated: '', inFlight: '' };
const before: Record<string, any> = {};

const sku = 'ERASE-1';
const stock = 10;
// Words found nowhere else: each is looked for in every row, history and log line.
const address = { name: 'Wilhelmina Oxtoby', street: '88 Quarrendon Row', city: 'Zeulenroda', postalCode: 'ZQ9 3XK', country: 'DE' };
const cancelReason = 'Sent to 88 Quarrendon Row by mistake';
const personal = () => [address.name, address.street, address.city, address.postalCode, buyer.email, 'Quarrendon'];

const findIn = (text: string) => personal().filter((word) => text.includes(word));

async function erasureOf(id: string): Promise<Erasure> {
  let erasure: Erasure | undefined;
  await system.waitUntil(
    `erasure ${id} ending`,
    async () => {
      erasure = (await system.api('GET', `/erasures/${id}`, { token: admin })).body.erasure;
      return erasure?.status === 'COMPLETED' || erasure?.status === 'FAILED';
    },
    120_000,
  );
  expect(erasure?.status).toBe('COMPLETED');
  return erasure!;
}

/** Everything the store and the carrier keep of the buyer's purchases, as rows. */
async function rowsOfBuyer() {
  const purchaseIds = Object.values(ids);
  return {
    user: await store.user.findUnique({ where: { id: buyer.user.id }, select: { email: true, name: true, passwordHash: true } }),
    purchases: await store.purchase.findMany({ where: { userId: buyer.user.id }, orderBy: { id: 'asc' } }),
    deliveries: await carrier.delivery.findMany({ where: { purchaseId: { in: purchaseIds } }, orderBy: { id: 'asc' } }),
    sessions: await store.session.count({ where: { userId: buyer.user.id } }),
  };
}

async function place(): Promise<string> {
  const created = await system.api('POST', '/purchases', { token: buyer.token, body: { items: [{ sku, quantity: 1 }], address } });
  expect(created.status).toBe(202);
  const id = created.body.purchase.id as string;
  await system.waitForPurchase(buyer.token, id, ['RESERVE_DELIVERED']);
  return id;
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // A window long enough that the in-flight purchase is still in it when the erasure comes; info logs, to read them.
  system = await startSystem({ env: { PURCHASE_CANCEL_WINDOW: '10m', LOG_LEVEL: 'info' } });
  connection = await Connection.connect({ address: system.temporalAddress });
  temporal = new Client({ connection, dataConverter: system.dataConverter });
  const config = loadConfig(system.env);
  store = connectStore(config.databases.store);
  carrier = connectCarrier(config.databases.carrier);
  admin = await system.adminToken();
  buyer = await system.newUser('oxtoby');
  await system.stockedProduct(sku, stock);

  ids.completed = await place();
  await temporal.workflow.getHandle(purchaseWorkflowId(ids.completed)).signal(confirmSignal);
  await system.waitForPurchase(buyer.token, ids.completed, ['COMPLETED']);

  ids.compensated = await place();
  expect((await system.api('POST', `/purchases/${ids.compensated}/cancel`, { token: buyer.token, body: { reason: cancelReason } })).status).toBe(202);
  await system.waitForPurchase(buyer.token, ids.compensated, ['CANCELLED']);

  ids.inFlight = await place();
  for (const id of Object.values(ids)) before[id] = (await system.api('GET', `/purchases/${id}`, { token: admin })).body.purchase;
  // The erasure has something to scrub everywhere: the rows hold the address before it.
  expect(findIn(JSON.stringify(await rowsOfBuyer())).length).toBeGreaterThan(0);
}, 240_000);

afterAll(async () => {
  await store?.$disconnect();
  await carrier?.$disconnect();
  await connection?.close();
  await system?.stop();
});

describe('erasing a customer', () => {
  let first: Erasure;

  it('answers 202 with the erasure’s id, and the customer’s token stops working at once', async () => {
    const answer = await system.api('DELETE', '/auth/me', { token: buyer.token });
    expect(answer.status).toBe(202);
    expect(answer.body.erasure).toMatchObject({ id: erasureWorkflowId(buyer.user.id), userId: buyer.user.id, status: 'RUNNING' });
    expect((await system.api('GET', '/auth/me', { token: buyer.token })).status).toBe(401);
    expect((await system.api('POST', '/auth/login', { body: { email: buyer.email, password: buyer.password } })).status).toBe(401);
    first = await erasureOf(answer.body.erasure.id);
  });

  it('cancels the purchase in flight, which compensates: stock back, delivery cancelled', async () => {
    expect(first.result!.cancelled).toEqual([ids.inFlight]);
    const inFlight = (await system.api('GET', `/purchases/${ids.inFlight}`, { token: admin })).body.purchase;
    expect(inFlight.status).toBe('CANCELLED');
    expect(inFlight.delivery.status).toBe('CANCELLED');
    const inventory = await system.api('GET', `/inventory/${sku}`, { token: admin });
    // Only the completed purchase's unit is gone.
    expect(inventory.body).toMatchObject({ available: stock - 1, reserved: 0 });
  });

  it('leaves no address, email or word of the customer in the store’s or the carrier’s rows', async () => {
    const rows = await rowsOfBuyer();
    expect(findIn(JSON.stringify(rows))).toEqual([]);
    expect(rows.user).toMatchObject({ email: `erased-${buyer.user.id}@erased.invalid`, name: null });
    expect(rows.sessions).toBe(0);
    expect(rows.deliveries).toHaveLength(3);
    for (const delivery of rows.deliveries) expect(delivery.address).toBeNull();
    expect(first.result).toMatchObject({ carrier: { deliveriesScrubbed: 3 }, store: { purchasesScrubbed: 3, accountScrubbed: true } });
  });

  it('keeps the books: statuses, amounts, SKUs and dates, with the country', async () => {
    for (const [id, earlier] of Object.entries(before)) {
      const now = (await system.api('GET', `/purchases/${id}`, { token: admin })).body.purchase;
      expect(now.address).toEqual({ name: erasedText, street: erasedText, city: erasedText, postalCode: erasedText, country: 'DE' });
      expect(now).toMatchObject({ totalCents: earlier.totalCents, items: earlier.items, createdAt: earlier.createdAt });
    }
    const statuses = await Promise.all(
      Object.values(ids).map(async (id) => (await system.api('GET', `/purchases/${id}`, { token: admin })).body.purchase.status),
    );
    expect(statuses).toEqual(['COMPLETED', 'CANCELLED', 'CANCELLED']);
  });

  it('deletes every purchase workflow of the customer from Temporal, and shows the erasure there', async () => {
    expect(first.result!.temporal).toEqual({ workflowsDeleted: 3, stillRunning: [] });
    // Gone by the time the erasure completed: it waits for the server's deletion in the background.
    const described = await Promise.all(
      Object.values(ids).map((id) =>
        temporal.workflow.getHandle(purchaseWorkflowId(id)).describe().then(
          () => 'found',
          (error) => (error instanceof WorkflowNotFoundError ? 'gone' : String(error)),
        ),
      ),
    );
    expect(described).toEqual(['gone', 'gone', 'gone']);
    const erasure = temporal.workflow.getHandle(erasureWorkflowId(buyer.user.id));
    expect(await erasure.describe()).toMatchObject({ type: 'erasure', status: { name: 'COMPLETED' } });
    // The erasure's own history, which stays, names ids only.
    expect(findIn(JSON.stringify(await erasure.fetchHistory()))).toEqual([]);
  });

  it('wrote none of the customer’s personal data to any log line', () => {
    expect(system.logs.length).toBeGreaterThan(0);
    expect(findIn(system.logs.join('\n'))).toEqual([]);
  });

  it('changes nothing when run again, by an ADMIN', async () => {
    const rows = await rowsOfBuyer();
    const again = await system.api('DELETE', `/users/${buyer.user.id}`, { token: admin });
    expect(again.status).toBe(202);
    const second = await erasureOf(again.body.erasure.id);
    expect(second.result).toEqual({
      customerId: buyer.user.id,
      cancelled: [],
      carrier: { deliveriesScrubbed: 0 },
      store: { purchasesScrubbed: 0, accountScrubbed: false, sessionsEnded: 0 },
      temporal: { workflowsDeleted: 0, stillRunning: [] },
    });
    expect(await rowsOfBuyer()).toEqual(rows);
  });

  it('frees the email: it can be registered anew', async () => {
    const registered = await system.api('POST', '/auth/register', { body: { email: buyer.email, password: 'a-new-password-1' } });
    expect(registered.status).toBe(201);
    expect(registered.body.user.id).not.toBe(buyer.user.id);
  });

  it('is an ADMIN’s to ask for another user: 403 for a USER, 404 for nobody', async () => {
    const other = await system.newUser('bystander');
    expect((await system.api('DELETE', `/users/${other.user.id}`, { token: other.token })).status).toBe(403);
    expect((await system.api('DELETE', '/users/no-such-user', { token: admin })).status).toBe(404);
    expect((await system.api('GET', '/erasures/erasure-no-such-user', { token: admin })).status).toBe(404);
    expect((await system.api('GET', '/auth/me', { token: other.token })).status).toBe(200);
  });
});
