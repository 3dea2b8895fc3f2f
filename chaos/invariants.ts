import type { Client } from '@temporalio/client';
import type { activityContracts } from '../contracts/activities';
import { finalPurchaseStatuses, type Purchase } from '../contracts/purchase';
import { cancelSignal, purchaseWorkflowId, purchaseWorkflowType, searchAttributes } from '../contracts/temporal';
import type { CarrierDb, StoreDb, SupplierDb } from '../prisma/clients';
import { expectedOutcome, type PlannedPurchase } from './load';

export interface InvariantResult {
  name: string;
  held: boolean;
  figures: string;
  /** What broke it, when it did not hold (a few examples). */
  violations: string[];
}

export interface InvariantInput {
  plan: PlannedPurchase[];
  /** The run's buyers: only their purchases are this run's. */
  buyerIds: string[];
  /** Stock each SKU started with. */
  initialStock: Map<string, number>;
  /** The lowest `available` and `reserved` seen per SKU while the run went on. */
  lowestSeen: Map<string, { available: number; reserved: number }>;
  store: StoreDb;
  supplier: SupplierDb;
  carrier: CarrierDb;
  temporal: Client;
}

const sample = (items: string[]) => items.slice(0, 5);

/** The parts of a Temporal history event that tell when a cancel arrived and when the saga committed. */
export interface SagaHistoryEvent {
  workflowExecutionSignaledEventAttributes?: { signalName?: string | null } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
}

/** The step that commits a purchase: once it is scheduled, a cancel signal is ignored (CONTRACT.md). */
const commitStep: keyof (typeof activityContracts)['supplier']['activities'] = 'confirmSale';

/**
 * Whether the saga received the cancel signal before it committed. A client whose answers were lost to a fault keeps
 * retrying its POST, so its cancel can come after the window closed; the purchase then rightly completes. The history
 * orders the two: the workflow task that scheduled the commit step had seen every event before it.
 */
export function cancelCameBeforeCommit(events: SagaHistoryEvent[]): boolean {
  for (const event of events) {
    if (event.workflowExecutionSignaledEventAttributes?.signalName === cancelSignal.name) return true;
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === commitStep) return false;
  }
  return false;
}

function result(name: string, violations: string[], figures: string): InvariantResult {
  return { name, held: violations.length === 0, figures, violations: sample(violations) };
}

/** Checks, after a run, every promise the system makes about purchases and stock. Reads only; changes nothing. */
export async function checkInvariants(input: InvariantInput): Promise<InvariantResult[]> {
  const { plan, store, supplier, carrier, temporal } = input;
  const accepted = plan.filter((purchase) => purchase.id);
  const records = await store.purchase.findMany({ where: { userId: { in: input.buyerIds } } });
  const recordById = new Map(records.map((record) => [record.id, record]));
  // Owners' rows are this run's when they belong to its purchases, or to no purchase at all (a leak).
  const known = new Set((await store.purchase.findMany({ select: { id: true } })).map((record) => record.id));
  const ofThisRun = (purchaseId: string) => recordById.has(purchaseId) || !known.has(purchaseId);
  const results: InvariantResult[] = [];

  // 1. None stuck, none lost, and the gateway's record agrees with the workflow.
  {
    const violations: string[] = [];
    let final = 0;
    for (const purchase of accepted) {
      const record = recordById.get(purchase.id!);
      if (!record) {
        violations.push(`${purchase.id}: accepted but no record`);
        continue;
      }
      if (!finalPurchaseStatuses.includes(record.status as Purchase['status'])) {
        violations.push(`${purchase.id}: stuck in ${record.status}`);
        continue;
      }
      final += 1;
      const handle = temporal.workflow.getHandle(purchaseWorkflowId(purchase.id!));
      const outcome: Purchase = await handle.result().catch((error: Error) => ({ status: `workflow ${error.message}` }) as never);
      if (outcome.status !== record.status) {
        violations.push(`${purchase.id}: record ${record.status}, workflow ${outcome.status}`);
      }
    }
    const extra = records.length - accepted.length;
    if (extra !== 0) violations.push(`${extra} purchase records beyond the ${accepted.length} accepted (a retry made a second purchase?)`);
    const keys = new Set(records.map((record) => record.idempotencyKey));
    for (const purchase of plan.filter((candidate) => !candidate.id)) {
      if (keys.has(purchase.key)) violations.push(`${purchase.key}: never accepted, yet a record exists`);
    }
    results.push(
      result(
        'every purchase ends COMPLETED, FAILED or CANCELLED; record matches workflow',
        violations,
        `${final}/${accepted.length} final, ${records.length} records, ${plan.length - accepted.length} never accepted`,
      ),
    );
  }

  // 2. Infrastructure faults never turn into FAILED: each purchase ends as its kind says.
  {
    const violations: string[] = [];
    const counts: Record<string, number> = {};
    let lateCancels = 0;
    for (const purchase of accepted) {
      const record = recordById.get(purchase.id!);
      if (!record) continue;
      counts[record.status] = (counts[record.status] ?? 0) + 1;
      const failure = record.failure as { code?: string } | null;
      let expected = expectedOutcome[purchase.kind];
      if (purchase.kind === 'cancel') {
        const { events } = await temporal.workflow.getHandle(purchaseWorkflowId(purchase.id!)).fetchHistory();
        if (!cancelCameBeforeCommit(events ?? [])) {
          expected = expectedOutcome.complete;
          lateCancels += 1;
        }
      }
      if (record.status !== expected) violations.push(`${purchase.id} (${purchase.kind}): ${record.status} ${failure?.code ?? ''}`);
      else if (purchase.kind === 'refuse' && failure?.code !== 'UNSERVED_COUNTRY') {
        violations.push(`${purchase.id}: failed with ${failure?.code}, not UNSERVED_COUNTRY`);
      }
    }
    results.push(
      result(
        'infrastructure faults never turn into FAILED',
        violations,
        [
          ...Object.entries(counts).map(([status, count]) => `${count} ${status}`),
          ...(lateCancels > 0 ? [`${lateCancels} cancelled after the window closed`] : []),
        ].join(', '),
      ),
    );
  }

  // 3. Stock is conserved: initial = available + sold, nothing left reserved, never negative on the way.
  {
    const violations: string[] = [];
    const sold = new Map<string, number>();
    for (const purchase of accepted) {
      if (recordById.get(purchase.id!)?.status === 'COMPLETED') {
        sold.set(purchase.sku, (sold.get(purchase.sku) ?? 0) + purchase.quantity);
      }
    }
    const figures: string[] = [];
    for (const [sku, initial] of input.initialStock) {
      const row = await supplier.inventory.findUnique({ where: { sku } });
      const available = row?.available ?? NaN;
      const reserved = row?.reserved ?? NaN;
      const soldUnits = sold.get(sku) ?? 0;
      figures.push(`${sku}: ${initial} = ${available} + ${soldUnits} sold, ${reserved} reserved`);
      if (initial !== available + soldUnits) violations.push(`${sku}: ${initial} ≠ ${available} available + ${soldUnits} sold`);
      if (reserved !== 0) violations.push(`${sku}: ${reserved} still reserved`);
      const lowest = input.lowestSeen.get(sku);
      if (lowest && (lowest.available < 0 || lowest.reserved < 0)) {
        violations.push(`${sku}: went negative on the way (available ${lowest.available}, reserved ${lowest.reserved})`);
      }
    }
    results.push(result('stock is conserved and never negative', violations, figures.join('; ')));
  }

  // 4. At most one live delivery per purchase, none for a FAILED or CANCELLED one.
  {
    const violations: string[] = [];
    const deliveries = (await carrier.delivery.findMany()).filter((delivery) => ofThisRun(delivery.purchaseId));
    const live = new Map<string, number>();
    for (const delivery of deliveries) {
      if (delivery.status !== 'CANCELLED') live.set(delivery.purchaseId, (live.get(delivery.purchaseId) ?? 0) + 1);
    }
    let dispatched = 0;
    for (const purchase of accepted) {
      const status = recordById.get(purchase.id!)?.status;
      const count = live.get(purchase.id!) ?? 0;
      if (count > 1) violations.push(`${purchase.id}: ${count} live deliveries`);
      if ((status === 'FAILED' || status === 'CANCELLED') && count > 0) violations.push(`${purchase.id}: ${status} with a live delivery`);
      if (status === 'COMPLETED') {
        if (count === 1) dispatched += 1;
        else violations.push(`${purchase.id}: COMPLETED with ${count} live deliveries`);
      }
    }
    for (const purchaseId of live.keys()) {
      if (!recordById.has(purchaseId)) violations.push(`delivery for unknown purchase ${purchaseId}`);
    }
    results.push(
      result(
        'at most one live delivery per purchase, none for FAILED or CANCELLED',
        violations,
        `${deliveries.length} deliveries, ${dispatched} dispatched for completed purchases`,
      ),
    );
  }

  // 5. No reservation without a purchase: orders end SOLD exactly for completed purchases, nothing held.
  {
    const violations: string[] = [];
    const orders = (await supplier.supplierOrder.findMany()).filter((order) => ofThisRun(order.purchaseId));
    for (const order of orders) {
      const status = recordById.get(order.purchaseId)?.status;
      if (!status) violations.push(`order ${order.id} (${order.status}) for unknown purchase ${order.purchaseId}`);
      else if (order.status === 'RESERVED') violations.push(`order for ${order.purchaseId} still RESERVED (${status})`);
      else if ((order.status === 'SOLD') !== (status === 'COMPLETED')) {
        violations.push(`order for ${order.purchaseId} is ${order.status} while the purchase is ${status}`);
      }
    }
    const soldOrders = orders.filter((order) => order.status === 'SOLD').length;
    results.push(
      result('no reservation without a purchase', violations, `${orders.length} supplier orders, ${soldOrders} sold`),
    );
  }

  // 6. Every accepted Idempotency-Key maps to exactly one purchase: the one the client was answered with.
  {
    const violations: string[] = [];
    const byKey = new Map<string, string[]>();
    for (const record of records) {
      if (record.idempotencyKey) byKey.set(record.idempotencyKey, [...(byKey.get(record.idempotencyKey) ?? []), record.id]);
    }
    for (const purchase of accepted) {
      const ids = byKey.get(purchase.key) ?? [];
      if (ids.length !== 1) violations.push(`${purchase.key}: ${ids.length} purchases (${ids.join(', ')})`);
      else if (ids[0] !== purchase.id) violations.push(`${purchase.key}: answered ${purchase.id}, recorded ${ids[0]}`);
    }
    const retried = accepted.filter((purchase) => purchase.attempts > 1).length;
    results.push(
      result(
        'every accepted Idempotency-Key maps to exactly one purchase',
        violations,
        `${accepted.length} keys accepted, ${retried} of them after retries`,
      ),
    );
  }

  // 7. No purchase row without a workflow and no purchase workflow without a row, for this run's buyers.
  {
    const workflowIds = await purchaseWorkflowsOf(temporal, input.buyerIds, new Set(records.map((record) => record.workflowId)));
    const violations: string[] = [];
    for (const record of records) {
      if (!workflowIds.has(record.workflowId)) violations.push(`record ${record.id} (${record.status}) has no workflow`);
    }
    const rowIds = new Set(records.map((record) => record.workflowId));
    for (const workflowId of workflowIds) if (!rowIds.has(workflowId)) violations.push(`workflow ${workflowId} has no record`);
    results.push(
      result(
        'no purchase row without a workflow, no purchase workflow without a row',
        violations,
        `${records.length} records, ${workflowIds.size} purchase workflows in Temporal`,
      ),
    );
  }
  return results;
}

/**
 * The ids of the purchase workflows Temporal holds for these customers (its CustomerId search attribute). Visibility
 * is eventually consistent: listed again for a while until it shows what the records expect.
 */
async function purchaseWorkflowsOf(temporal: Client, customerIds: string[], expected: Set<string>): Promise<Set<string>> {
  const query = `WorkflowType = '${purchaseWorkflowType}' AND ${searchAttributes.customerId.name} IN (${customerIds.map((id) => `'${id}'`).join(', ')})`;
  let ids = new Set<string>();
  for (let attempt = 0; attempt < 20; attempt += 1) {
    ids = new Set<string>();
    for await (const workflow of temporal.workflow.list({ query })) ids.add(workflow.workflowId);
    if (ids.size === expected.size && [...expected].every((id) => ids.has(id))) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return ids;
}
