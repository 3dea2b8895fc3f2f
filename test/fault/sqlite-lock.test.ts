import { holdSqliteFile } from '../../chaos/faults';
import { startSystem, type RunningSystem } from '../../harness/system';

jest.setTimeout(300_000);

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Far above what a free event loop needs even on a loaded machine, far below the lock's duration.
const healthAnswerWithinMs = 5_000;

/**
 * better-sqlite3 waits for a lock synchronously, blocking the event loop: with a long busy timeout a process held
 * behind another process's lock stops answering /health (and discovery drops a healthy instance). The short busy
 * timeout (contracts/timeouts.ts) makes the wait Temporal's retry instead.
 */
describe('SQLite files held under an exclusive lock by another process', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('keeps every process answering /health promptly, and the purchase completes once the lock is gone', async () => {
    await system.stockedProduct('LOCKED-1', 5);
    const buyer = await system.newUser();

    // The owners' files first, so the saga's first steps meet the lock; the store's a moment later.
    const ownersLocked = Promise.all([
      holdSqliteFile(system, 'supplier', 12_000),
      holdSqliteFile(system, 'carrier', 12_000),
    ]);
    await sleep(1_000);
    const accepted = await system.client(buyer.token).POST('/purchases', {
      params: { header: { 'idempotency-key': 'locked-1' } },
      body: { items: [{ sku: 'LOCKED-1', quantity: 2 }], address: lisbon },
    });
    expect(accepted.response.status).toBe(202);
    const id = accepted.data!.purchase.id;
    const storeLocked = holdSqliteFile(system, 'store', 8_000);

    const probes: { process: string; status: number | string }[] = [];
    let locked = true;
    const allReleased = Promise.all([ownersLocked, storeLocked]).finally(() => {
      locked = false;
    });
    const probing = (async () => {
      while (locked) {
        for (const [process, url] of Object.entries(system.urls)) {
          const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(healthAnswerWithinMs) })
            .then((answer) => answer.status)
            .catch((error: Error) => error.name);
          probes.push({ process, status });
        }
        // The gateway's own reads of the locked store answer at once too: a 503 to retry, never a hang or a 500.
        const read = await fetch(`${system.urls.gateway}/purchases/${id}`, {
          headers: { authorization: `Bearer ${buyer.token}` },
          signal: AbortSignal.timeout(healthAnswerWithinMs),
        })
          .then((answer) => answer.status)
          .catch((error: Error) => error.name);
        probes.push({ process: 'gateway read', status: read });
        await sleep(250);
      }
    })();
    await allReleased;
    await probing;

    expect(probes.filter((probe) => probe.process !== 'gateway read' && probe.status !== 200)).toEqual([]);
    expect(probes.filter((probe) => probe.process === 'gateway read' && ![200, 503].includes(probe.status as number))).toEqual([]);
    // Probed all through the lock, not once at each end of a blocked loop.
    expect(probes.length).toBeGreaterThan(20);

    const done = await system.waitForPurchase(buyer.token, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 120_000);
    expect(done.status).toBe('COMPLETED');
    const stock = await (await fetch(`${system.urls.supplier}/inventory/LOCKED-1`)).json();
    expect(stock).toMatchObject({ available: 3, reserved: 0 });
  });
});
