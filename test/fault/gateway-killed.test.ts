import { Client, Connection } from '@temporalio/client';
import { purchaseIdFor } from '../../api/purchases/service';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { connectStore } from '../../prisma/clients';
import { databaseUrl } from '../../chaos/faults';
import { startSystem, type RunningSystem } from '../support/system';

jest.setTimeout(300_000);

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

/**
 * kill -9 of the real gateway process in the middle of POST /purchases: after Temporal took the start, while the
 * gateway's update-with-start still waits for the saga's record (the orchestrator is down, so the record cannot be
 * written yet). The client gets no answer at all; its retry with the same key, to a restarted gateway, must return
 * the one purchase that start began.
 */
describe('a gateway killed between the steps of POST /purchases', () => {
  let system: RunningSystem;
  let connection: Connection | undefined;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await connection?.close();
    await system?.stop();
  });

  it('leaves one purchase, which the retry with the same key returns and which completes, stock exact', async () => {
    const admin = await system.adminToken();
    const created = await system.client(admin).POST('/products', {
      body: { sku: 'KILLED-1', name: 'Killed', priceCents: 500, stock: 5 },
    });
    expect(created.response.status).toBe(201);
    const buyer = await system.newUser();
    const key = 'killed-mid-post';
    const request = {
      params: { header: { 'idempotency-key': key } },
      body: { items: [{ sku: 'KILLED-1', quantity: 2 }], address: lisbon },
    };
    connection = await Connection.connect({ address: system.temporalAddress });
    const handle = new Client({ connection }).workflow.getHandle(purchaseWorkflowId(purchaseIdFor(buyer.user.id, key)));

    await system.stopProcess('orchestrator', 'SIGKILL');
    let answered = false;
    const first = system
      .client(buyer.token)
      .POST('/purchases', request)
      .then(
        (answer) => answer.response.status,
        () => 'dropped' as const,
      )
      .finally(() => (answered = true));
    await system.waitUntil('Temporal holding the purchase workflow', async () => Boolean(await handle.describe()));
    expect(answered).toBe(false); // the gateway is still waiting for the record
    await system.stopProcess('gateway', 'SIGKILL');
    expect(await first).toBe('dropped');

    // Half-way: a workflow in Temporal, no record yet (the saga writes it, and its worker is down).
    const store = connectStore(databaseUrl(system, 'store'), { waitForLocks: true });
    try {
      expect(await store.purchase.count({ where: { userId: buyer.user.id } })).toBe(0);

      system.startService('orchestrator');
      system.startService('gateway');
      await system.waitUntil('the gateway being ready again', async () => (await fetch(`${system.urls.gateway}/ready`)).ok);
      const retried = await system.client(buyer.token).POST('/purchases', request);
      expect(retried.response.status).toBe(202);
      expect(retried.data!.purchase.workflowId).toBe(handle.workflowId);

      const done = await system.waitForPurchase(buyer.token, retried.data!.purchase.id, ['COMPLETED', 'FAILED', 'CANCELLED'], 120_000);
      expect(done.status).toBe('COMPLETED');
      const rows = await store.purchase.findMany({ where: { userId: buyer.user.id } });
      expect(rows.map((row) => [row.id, row.status, row.idempotencyKey])).toEqual([[done.id, 'COMPLETED', key]]);
      const stock = await (await fetch(`${system.urls.supplier}/inventory/KILLED-1`)).json();
      expect(stock).toMatchObject({ available: 3, reserved: 0 });
    } finally {
      await store.$disconnect();
    }
  });
});
