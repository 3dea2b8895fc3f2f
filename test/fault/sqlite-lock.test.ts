import { spawn } from 'node:child_process';
import { databaseUrl, holdSqliteFile } from '../../chaos/faults';
import { startSystem, type RunningSystem } from '../../harness/system';
import type { DatabaseName } from '../../prisma/databases';

jest.setTimeout(300_000);

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The one bound a test here asserts, because it is the guarantee itself: a liveness probe that gets no answer in time
// is a failed probe. Far above what a free event loop needs even on a loaded machine, far below the lock's duration.
const healthAnswerWithinMs = 5_000;

/**
 * Another process takes the file's write lock (`BEGIN EXCLUSIVE`; in WAL mode readers still read) and holds it until
 * `letGo()`; `locked` resolves once it holds it.
 */
function holdWriteLock(system: RunningSystem, database: DatabaseName) {
  const file = databaseUrl(system, database).slice('file:'.length);
  const script = `
    const db = require('better-sqlite3')(process.argv[1], { timeout: 30000 });
    db.exec('BEGIN EXCLUSIVE');
    console.log('locked');
    process.stdin.on('data', () => undefined).on('end', () => { db.exec('COMMIT'); db.close(); });`;
  const child = spawn(process.execPath, ['-e', script, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    void exited.then((code) => reject(new Error(`the lock's process exited with ${code} before it held the lock`)));
  });
  return {
    locked,
    async letGo() {
      child.stdin!.end();
      expect(await exited).toBe(0);
    },
    kill: () => child.kill('SIGKILL'),
  };
}

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
        // The gateway's own reads of the locked store answer too: in WAL mode a reader waits for no writer.
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
    expect(probes.filter((probe) => probe.process === 'gateway read' && probe.status !== 200)).toEqual([]);
    // Probed all through the lock, not once at each end of a blocked loop.
    expect(probes.length).toBeGreaterThan(20);

    const done = await system.waitForPurchase(buyer.token, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 120_000);
    expect(done.status).toBe('COMPLETED');
    const stock = await (await fetch(`${system.urls.supplier}/inventory/LOCKED-1`, { headers: system.serviceHeaders })).json();
    expect(stock).toMatchObject({ available: 3, reserved: 0 });
  });

  it('answers a gateway request that writes to the locked store with 503 and Retry-After: 1, reads with 200, and both once it is let go', async () => {
    const buyer = await system.newUser();
    await system.stockedProduct('LOCKED-2', 5);
    const accepted = await system.client(buyer.token).POST('/purchases', {
      params: { header: { 'idempotency-key': 'locked-2' } },
      body: { items: [{ sku: 'LOCKED-2', quantity: 1 }], address: lisbon },
    });
    expect(accepted.response.status).toBe(202);
    const id = accepted.data!.purchase.id;
    await system.waitForPurchase(buyer.token, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 120_000);

    const logIn = () =>
      fetch(`${system.urls.gateway}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: buyer.email, password: buyer.password }),
      });
    const read = () => fetch(`${system.urls.gateway}/purchases/${id}`, { headers: { authorization: `Bearer ${buyer.token}` } });

    const lock = holdWriteLock(system, 'store');
    try {
      await lock.locked;
      // Each answer comes while the lock is still held: no request waits for it to go. A login writes its session: it
      // meets the lock, and the gateway says the client may try again in a second.
      const refused = await logIn();
      expect({ status: refused.status, retryAfter: refused.headers.get('retry-after'), body: await refused.json() }).toMatchObject({
        status: 503,
        retryAfter: '1',
        body: { error: { code: 'SERVICE_UNAVAILABLE' } },
      });
      expect((await read()).status).toBe(200);
    } finally {
      await lock.letGo().finally(lock.kill);
    }
    expect((await logIn()).status).toBe(200);
    expect((await read()).status).toBe(200);
  });
});
