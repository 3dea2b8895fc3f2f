import { Client, Connection } from '@temporalio/client';
import { purchaseIdFor } from '../../api/purchases/ids';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { connectStore } from '../../prisma/clients';
import { databaseUrl } from '../../chaos/faults';
import { startTcpProxy, type TcpProxy } from '../../chaos/tcp-proxy';
import { startSystem, type RunningSystem } from '../../harness/system';

jest.setTimeout(300_000);

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

/**
 * kill -9 of the real gateway process in the middle of POST /purchases: after Temporal took the start, before its
 * answer reached the gateway (a proxy between them holds Temporal's replies). The orchestrator is down too, so the
 * saga cannot write its record yet. The client gets no answer at all; its retry with the same key, to a restarted
 * gateway, must return the one purchase that start began, which completes once the orchestrator is back.
 */
describe('a gateway killed between the steps of POST /purchases', () => {
  let system: RunningSystem;
  let connection: Connection | undefined;
  let proxy: TcpProxy | undefined;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await connection?.close();
    await proxy?.close();
    await system?.stop();
  });

  it('leaves one purchase, which the retry with the same key returns and which completes, stock exact', async () => {
    await system.stockedProduct('KILLED-1', 5);
    const buyer = await system.newUser();
    const key = 'killed-mid-post';
    const request = {
      params: { header: { 'idempotency-key': key } },
      body: { items: [{ sku: 'KILLED-1', quantity: 2 }], address: lisbon },
    };
    connection = await Connection.connect({ address: system.temporalAddress });
    const handle = new Client({ connection, dataConverter: system.dataConverter }).workflow.getHandle(purchaseWorkflowId(purchaseIdFor(buyer.user.id, key)));

    // The gateway reaches Temporal through the proxy from here on.
    const [host, port] = system.temporalAddress.split(':');
    proxy = await startTcpProxy({ host, port: Number(port) });
    await system.stopProcess('gateway');
    system.startService('gateway', { env: { TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}` } });
    await system.waitUntil('the gateway being ready behind the proxy', async () => (await fetch(`${system.urls.gateway}/ready`)).ok);

    await system.stopProcess('orchestrator', 'SIGKILL');
    const releaseAnswers = proxy.holdAnswers();
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
    expect(answered).toBe(false); // Temporal's answer to the start is held
    await system.stopProcess('gateway', 'SIGKILL');
    expect(await first).toBe('dropped');
    releaseAnswers();

    // Half-way: a workflow in Temporal, no record yet (the saga writes it, and its worker is down).
    const store = connectStore(databaseUrl(system, 'store'), { waitForLocks: true });
    try {
      expect(await store.purchase.count({ where: { userId: buyer.user.id } })).toBe(0);

      system.startService('gateway');
      await system.waitUntil('the gateway being ready again', async () => (await fetch(`${system.urls.gateway}/ready`)).ok);
      const retried = await system.client(buyer.token).POST('/purchases', request);
      expect(retried.response.status).toBe(202);
      expect(retried.data!.purchase).toMatchObject({ workflowId: handle.workflowId, status: 'RECEIVED' });
      // With no record yet, the gateway answers from the saga's start in Temporal.
      const read = await system.client(buyer.token).GET('/purchases/{id}', { params: { path: { id: retried.data!.purchase.id }, query: {} } });
      expect(read.data!.purchase).toEqual(retried.data!.purchase);

      system.startService('orchestrator');
      const done = await system.waitForPurchase(buyer.token, retried.data!.purchase.id, ['COMPLETED', 'FAILED', 'CANCELLED'], 120_000);
      expect(done.status).toBe('COMPLETED');
      const rows = await store.purchase.findMany({ where: { userId: buyer.user.id } });
      expect(rows.map((row) => [row.id, row.status, row.idempotencyKey])).toEqual([[done.id, 'COMPLETED', key]]);
      const stock = await (await fetch(`${system.urls.supplier}/inventory/KILLED-1`, { headers: system.serviceHeaders })).json();
      expect(stock).toMatchObject({ available: 3, reserved: 0 });
    } finally {
      await store.$disconnect();
    }
  });
});
