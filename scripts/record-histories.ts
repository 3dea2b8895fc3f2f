/**
 * npm run record:histories [-- <scenario>…]: runs the real system (Temporal dev server, gateway, orchestrator,
 * supplier, carrier) on a throw-away data folder, drives one purchase per scenario through the gateway, and writes
 * each workflow's history to test/fixtures/histories/<scenario>.<revision>.json. The replay test
 * (test/integration/workflow-replay.test.ts) replays every file there against the workflow code as it is, so a change
 * to the workflow that would break purchases in flight fails `npm test`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { decodedHistoryJson } from '../codec/history';
import { EncryptionCodec } from '../codec/encryption-codec';
import { projectRoot } from '../config';
import { cancelSignal, confirmSignal, purchaseWorkflowId } from '../contracts/temporal';
import { connectStore, connectSupplier } from '../prisma/clients';
import type { Purchase } from '../contracts/purchase';
import { startSystem, freePort, type RunningSystem } from '../harness/system';
import { ensureTemporalCli } from './temporal-cli';

export const historiesDir = path.join(projectRoot, 'test', 'fixtures', 'histories');
/**
 * The revision new recordings are named after (`<scenario>.<revision>.json`). A change guarded by `patched()`, or one
 * in how purchases start, gets a new revision, so the histories of the code before it stay beside the new ones and keep
 * proving that purchases started before the change replay. Files without a revision come from before the first patch;
 * `local-store-writes` histories were started with the `purchaseRecorded` update (update-with-start), `plain-start`
 * ones by a plain start, `record-failures` ones with the patch that makes a store write failing for good end the
 * purchase (and the store's retries wait on durable timers).
 */
export const historyRevision = 'record-failures';
export const historyFile = (scenario: string) => `${scenario}.${historyRevision}.json`;

/**
 * Where a recorded history stops: `closed` (the workflow returned: every decision it made is in it), waiting `on a
 * timer` or `on an activity` with its last workflow task completed, or cut off `in a workflow task` (scheduled or
 * started, not completed: the decisions of that task, often the last ones, are missing, and replay never checks them).
 */
export type HistoryEnd = 'closed' | 'on a timer' | 'on an activity' | 'waiting' | 'in a workflow task';

interface HistoryJson {
  events?: { eventType?: string }[];
}

const closeEvents = ['COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW'].map(
  (outcome) => `EVENT_TYPE_WORKFLOW_EXECUTION_${outcome}`,
);

/** Where a history in its JSON form (as written to the fixtures) stops. */
export function historyEnd(history: unknown): HistoryEnd {
  const types = ((history as HistoryJson).events ?? []).map((event) => event.eventType ?? '');
  if (closeEvents.includes(types.at(-1) ?? '')) return 'closed';
  const lastCompleted = types.lastIndexOf('EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
  if (lastCompleted === -1 || types.slice(lastCompleted).some((type) => type === 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED')) {
    return 'in a workflow task';
  }
  const count = (...names: string[]) => types.filter((type) => names.some((name) => type === `EVENT_TYPE_${name}`)).length;
  const openActivities =
    count('ACTIVITY_TASK_SCHEDULED') - count('ACTIVITY_TASK_COMPLETED', 'ACTIVITY_TASK_FAILED', 'ACTIVITY_TASK_TIMED_OUT', 'ACTIVITY_TASK_CANCELED');
  if (openActivities > 0) return 'on an activity';
  const openTimers = count('TIMER_STARTED') - count('TIMER_FIRED', 'TIMER_CANCELED');
  return openTimers > 0 ? 'on a timer' : 'waiting';
}

/** Every scenario's purchase ends before it is recorded, but for these, recorded on purpose while still open. */
const stillOpen: Record<string, HistoryEnd> = { 'waiting-in-window': 'on a timer' };

/** Where the history of a scenario (or of another file, such as one downloaded from a running system) must stop. */
export const expectedHistoryEnd = (scenario: string): HistoryEnd => stillOpen[scenario] ?? 'closed';

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

interface Context {
  system: RunningSystem;
  client: Client;
  token: string;
  /** A second gateway whose purchases wait out a short cancellation window instead of the long one. */
  quickGateway: string;
  /** A third whose purchases have no cancellation window at all. */
  windowlessGateway: string;
}

/**
 * Each scenario makes one purchase and answers its id once the history holds what the scenario is about; one that is
 * about another workflow (an erasure) answers that workflow's id.
 */
const scenarios: Record<string, (context: Context) => Promise<string | { workflowId: string }>> = {
  // The common path: the cancellation window's timer fires, then the sale is confirmed and the parcel dispatched.
  async 'completed-after-window'({ system, token, quickGateway }) {
    const answer = await fetch(`${quickGateway}/purchases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'SKU-1', quantity: 2 }], address: lisbon, voucher: { code: 'WELCOME10' } }),
    });
    const id = ((await answer.json()) as { purchase: { id: string } }).purchase.id;
    await system.waitForPurchase(token, id, ['COMPLETED']);
    return id;
  },

  // No cancellation window (PURCHASE_CANCEL_WINDOW=0): confirmed at once, with no timer.
  async 'completed-without-window'({ system, token, windowlessGateway }) {
    const answer = await fetch(`${windowlessGateway}/purchases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'SKU-1', quantity: 1 }], address: lisbon }),
    });
    const id = ((await answer.json()) as { purchase: { id: string } }).purchase.id;
    await system.waitForPurchase(token, id, ['COMPLETED']);
    return id;
  },

  async 'completed-on-confirm'({ system, client, token }) {
    const id = await buy(system, token, { items: [{ sku: 'SKU-2', quantity: 1 }, { sku: 'SKU-3', quantity: 1 }] });
    await system.waitForPurchase(token, id, ['RESERVE_DELIVERED']);
    await client.workflow.getHandle(purchaseWorkflowId(id)).signal(confirmSignal);
    await system.waitForPurchase(token, id, ['COMPLETED']);
    return id;
  },

  // Refused by the supplier at the first step: nothing to undo.
  async 'refused-out-of-stock'({ system, token }) {
    const id = await buy(system, token, { items: [{ sku: 'SKU-1', quantity: 1000 }] });
    await system.waitForPurchase(token, id, ['FAILED']);
    return id;
  },

  // Refused while pricing (the refusal travels in the workflow's input): the saga fails before any step.
  async 'refused-while-pricing'({ system, token }) {
    const id = await buy(system, token, { voucher: { code: 'NOT-A-VOUCHER' } });
    await system.waitForPurchase(token, id, ['FAILED']);
    return id;
  },

  // Refused by the carrier after the stock was reserved: the reservation is released.
  async 'refused-unserved-country'({ system, token }) {
    const id = await buy(system, token, { address: { ...lisbon, city: 'Toronto', postalCode: 'M5V', country: 'CA' } });
    await system.waitForPurchase(token, id, ['FAILED']);
    return id;
  },

  // The gateway's cancel (the requestCancellation update) in the window: the delivery and the reservation undone.
  async 'cancelled-in-window'({ system, token }) {
    const id = await buy(system, token);
    await system.waitForPurchase(token, id, ['RESERVE_DELIVERED']);
    const cancelled = await system.api('POST', `/purchases/${id}/cancel`, { token, body: { reason: 'changed my mind' } });
    if (cancelled.status !== 202) throw new Error(`cancel answered ${cancelled.status}`);
    await system.waitForPurchase(token, id, ['CANCELLED']);
    return id;
  },

  // The CLI's cancel signal: first a malformed one (logged and ignored), then a good one.
  async 'cancelled-by-signal'({ system, client, token }) {
    const id = await buy(system, token);
    await system.waitForPurchase(token, id, ['RESERVE_DELIVERED']);
    const handle = client.workflow.getHandle(purchaseWorkflowId(id));
    await handle.signal(cancelSignal, { reason: 42 } as never);
    await handle.signal(cancelSignal, { reason: 'ordered twice' });
    await system.waitForPurchase(token, id, ['CANCELLED']);
    return id;
  },

  // A failure that is no business refusal: the supplier's order was released behind the saga's back (a corrupt
  // record), so confirmSale fails with RESERVATION_MISSING; the saga compensates and ends FAILED with INTERNAL.
  async 'compensated-after-internal-failure'({ system, client, token }) {
    const id = await buy(system, token);
    await system.waitForPurchase(token, id, ['RESERVE_DELIVERED']);
    const supplierDb = connectSupplier(`file:${path.join(system.dataDir, 'supplier.db')}`, { waitForLocks: true });
    try {
      await supplierDb.supplierOrder.update({ where: { purchaseId: id }, data: { status: 'RELEASED' } });
    } finally {
      await supplierDb.$disconnect();
    }
    await client.workflow.getHandle(purchaseWorkflowId(id)).signal(confirmSignal);
    const purchase = await system.waitForPurchase(token, id, ['FAILED']);
    if (purchase.failure?.code !== 'INTERNAL') throw new Error(`expected INTERNAL, got ${JSON.stringify(purchase.failure)}`);
    return id;
  },

  // A store write that fails for good (the record was deleted behind the saga's back): the cancel's COMPENSATING write
  // cannot be made, yet the saga compensates and ends FAILED with INTERNAL (patch record-failures-end-the-purchase).
  async 'compensated-after-record-lost'({ system, client, token }) {
    const id = await buy(system, token);
    await system.waitForPurchase(token, id, ['RESERVE_DELIVERED']);
    const storeDb = connectStore(`file:${path.join(system.dataDir, 'store.db')}`, { waitForLocks: true });
    try {
      await storeDb.purchase.delete({ where: { id } });
    } finally {
      await storeDb.$disconnect();
    }
    const handle = client.workflow.getHandle(purchaseWorkflowId(id));
    await handle.signal(cancelSignal, { reason: 'record lost' });
    const purchase = (await handle.result()) as Purchase;
    if (purchase.status !== 'FAILED' || purchase.failure?.code !== 'INTERNAL') {
      throw new Error(`expected FAILED with INTERNAL, got ${purchase.status} ${JSON.stringify(purchase.failure)}`);
    }
    return id;
  },

  // Still open: recorded while the purchase holds in its cancellation window.
  async 'waiting-in-window'({ system, token }) {
    const id = await buy(system, token, { items: [{ sku: 'SKU-4', quantity: 3 }] });
    await system.waitForPurchase(token, id, ['RESERVE_DELIVERED']);
    return id;
  },

  // A customer with a purchase in its window erases themselves: the erasure cancels it, scrubs, deletes the history.
  async 'erased-customer'({ system }) {
    const customer = await system.newUser('erased');
    const id = await buy(system, customer.token, { items: [{ sku: 'SKU-1', quantity: 1 }] });
    await system.waitForPurchase(customer.token, id, ['RESERVE_DELIVERED']);
    const erasure = await system.api('DELETE', '/auth/me', { token: customer.token });
    if (erasure.status !== 202) throw new Error(`DELETE /auth/me answered ${erasure.status}`);
    const admin = await system.adminToken();
    await system.waitUntil('the erasure completing', async () => {
      const answer = await system.api('GET', `/erasures/${erasure.body.erasure.id}`, { token: admin });
      return answer.body.erasure?.status === 'COMPLETED';
    });
    return { workflowId: erasure.body.erasure.id as string };
  },
};
export const scenarioNames = Object.keys(scenarios);

async function buy(system: RunningSystem, token: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const answer = await system.api('POST', '/purchases', {
    token,
    body: { items: [{ sku: 'SKU-1', quantity: 1 }], address: lisbon, ...overrides },
  });
  if (answer.status !== 202) throw new Error(`POST /purchases answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.purchase.id as string;
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !scenarios[name]);
  if (unknown.length > 0) throw new Error(`Unknown scenario(s) ${unknown.join(', ')}; known: ${scenarioNames.join(', ')}`);
  const chosen = wanted.length > 0 ? wanted : scenarioNames;

  process.env.TEMPORAL_CLI ??= await ensureTemporalCli();
  // A long window, so that a scenario acts inside it; the quick gateway's purchases wait out a short one.
  const system = await startSystem({ env: { PURCHASE_CANCEL_WINDOW: '1h' } });
  const connection = await Connection.connect({ address: system.temporalAddress });
  try {
    const [quickPort, windowlessPort] = await Promise.all([freePort(), freePort()]);
    system.startService('gateway', {
      instance: 'gateway-quick',
      env: { PORT: String(quickPort), PURCHASE_CANCEL_WINDOW: '1s' },
    });
    system.startService('gateway', {
      instance: 'gateway-windowless',
      env: { PORT: String(windowlessPort), PURCHASE_CANCEL_WINDOW: '0s' },
    });
    const quickGateway = `http://127.0.0.1:${quickPort}`;
    const windowlessGateway = `http://127.0.0.1:${windowlessPort}`;
    await system.waitUntil('the second gateway being ready', async () => (await fetch(`${quickGateway}/ready`)).ok);
    await system.waitUntil('the third gateway being ready', async () => (await fetch(`${windowlessGateway}/ready`)).ok);
    const client = new Client({ connection, dataConverter: system.dataConverter });
    const { token } = await system.newUser('recorder');
    const codec = new EncryptionCodec(system.payloadKeys);

    fs.mkdirSync(historiesDir, { recursive: true });
    for (const name of chosen) {
      const recorded = await scenarios[name]!({ system, client, token, quickGateway, windowlessGateway });
      // The purchase's status is written before the workflow task that wrote it completes: wait for the history to
      // reach its end, or the decisions of that last task would be missing from the recording.
      const handle = client.workflow.getHandle(typeof recorded === 'string' ? purchaseWorkflowId(recorded) : recorded.workflowId);
      let history: HistoryJson = {};
      await system.waitUntil(`${name}'s history ${expectedHistoryEnd(name)}`, async () => {
        // Payloads decoded: a recording replays without the throw-away key it was written under.
        history = await decodedHistoryJson(JSON.parse(historyToJSON(await handle.fetchHistory())), codec);
        return historyEnd(history) === expectedHistoryEnd(name);
      });
      const file = path.join(historiesDir, historyFile(name));
      fs.writeFileSync(file, `${JSON.stringify(history, null, 2)}\n`);
      console.log(`${name}: ${history.events?.length ?? 0} events, ${historyEnd(history)} → ${path.relative(projectRoot, file)}`);
    }
  } finally {
    await connection.close();
    await system.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
