import { randomUUID } from 'node:crypto';
import { listPurchases } from '../../api/purchases/listing';
import type { User } from '../../contracts/auth';
import { purchaseStatuses, type PurchaseStatus } from '../../contracts/purchase';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';

/**
 * GET /purchases' pages on each engine's store: keyset paging on (createdAt, id), where many purchases share a
 * millisecond and the ids alone order them, and where purchases keep arriving while a client pages.
 */
let dbs: TestDatabases;

const userOf = (id: string, role: User['role'] = 'USER'): User => ({ id, email: `${id}@example.com`, name: id, role });

async function newUser(role: User['role'] = 'USER'): Promise<User> {
  const id = randomUUID();
  await dbs.store.user.create({ data: { id, email: `${id}@example.com`, passwordHash: 'x', role } });
  return userOf(id, role);
}

/** `count` purchases of `user`, `perMs` of them sharing each millisecond from `from` on; statuses in turn. */
async function insertPurchases(user: User, count: number, from: Date, perMs = 1) {
  const rows = Array.from({ length: count }, (_, index) => {
    const id = randomUUID();
    const createdAt = new Date(from.getTime() + Math.floor(index / perMs));
    return {
      id,
      workflowId: purchaseWorkflowId(id),
      userId: user.id,
      status: purchaseStatuses[index % purchaseStatuses.length] as PurchaseStatus,
      items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 1250 }],
      address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
      totalCents: 1250,
      discountCents: 0,
      history: [{ status: 'RECEIVED', at: createdAt.toISOString() }],
      createdAt,
    };
  });
  await dbs.store.purchase.createMany({ data: rows });
  return rows;
}

/** Newest first, ties broken by the id, descending: the order the pages promise. */
const newestFirst = (rows: { id: string; createdAt: Date }[]) =>
  [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((row) => row.id);

/** Every page from the first on; `between` runs after each page, as other clients' purchases would arrive. */
async function walk(user: User, query: { limit: number; status?: PurchaseStatus }, between?: () => Promise<unknown>) {
  const seen: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await listPurchases(dbs.store, user, { ...query, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((purchase) => purchase.id));
    sizes.push(page.items.length);
    cursor = page.nextCursor;
    await between?.();
  } while (cursor);
  return { seen, sizes };
}

describeEachEngine('paging purchases', (engine) => {
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
  });
  afterAll(() => dbs?.drop());

  it('walks 500 purchases newest first, each once, while new ones arrive, when many share a millisecond', async () => {
    const owner = await newUser();
    const other = await newUser();
    const hourAgo = new Date(Date.now() - 3_600_000);
    const existing = await insertPurchases(owner, 500, hourAgo, 7);
    await insertPurchases(other, 100, hourAgo, 3);

    const { seen, sizes } = await walk(owner, { limit: 40 }, async () => {
      await insertPurchases(owner, 3, new Date(), 3);
      await insertPurchases(other, 1, new Date());
    });

    expect(seen).toEqual(newestFirst(existing));
    expect(sizes).toEqual([...Array(12).fill(40), 20]);
  });

  it('pages through one status alone', async () => {
    const owner = await newUser();
    const rows = await insertPurchases(owner, 140, new Date(Date.now() - 60_000), 4);
    const completed = rows.filter((row) => row.status === 'COMPLETED');

    const { seen } = await walk(owner, { limit: 7, status: 'COMPLETED' });

    expect(seen).toEqual(newestFirst(completed));
  });

  it('pages ADMIN through everyone’s purchases', async () => {
    const admin = await newUser('ADMIN');
    await insertPurchases(await newUser(), 30, new Date(Date.now() - 10_000), 2);
    await insertPurchases(await newUser(), 30, new Date(Date.now() - 10_000), 2);
    const everyone = await dbs.store.purchase.findMany({ select: { id: true, createdAt: true } });

    const { seen } = await walk(admin, { limit: 200 });

    expect(seen).toEqual(newestFirst(everyone));
  });

  it('answers the last page without a cursor, and an empty list as one empty page', async () => {
    const owner = await newUser();
    expect(await listPurchases(dbs.store, owner, { limit: 50 })).toEqual({ items: [] });
    await insertPurchases(owner, 50, new Date());
    const page = await listPurchases(dbs.store, owner, { limit: 50 });
    expect(page.items).toHaveLength(50);
    expect(page).not.toHaveProperty('nextCursor');
  });
});
