import type { Client } from '@temporalio/client';
import { createGatewayClient } from '../client';
import { cancelSignal, purchaseWorkflowId } from '../contracts/temporal';
import type { RunningSystem } from '../harness/system';

/**
 * What a planned purchase should end as when only infrastructure faults happen. A cancel that reaches the saga only
 * after its window closed is ignored, and that purchase completes (invariants.ts, cancelCameBeforeCommit).
 */
export type PurchaseKind = 'complete' | 'refuse' | 'cancel';
export const expectedOutcome: Record<PurchaseKind, string> = {
  complete: 'COMPLETED',
  refuse: 'FAILED',
  cancel: 'CANCELLED',
};

export interface PlannedPurchase {
  key: string;
  kind: PurchaseKind;
  sku: string;
  quantity: number;
  buyer: number;
  /** Set once the gateway accepted it (202). */
  id?: string;
  attempts: number;
  answers: number[];
}

export interface LoadOptions {
  purchases: number;
  /** Spread the purchases over this many milliseconds. */
  spreadMs: number;
  skus: string[];
  buyers: number;
  /** How long a client keeps retrying one purchase (same Idempotency-Key) through faults. */
  giveUpAfterMs: number;
  random: () => number;
  /** Where clients send purchases (a proxy in front of the gateways); the system's gateway when absent. */
  gatewayUrl?: string;
}

const served = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const unserved = { ...served, city: 'Toronto', postalCode: 'M5V 2T6', country: 'CA' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deterministic mix: most purchases complete, some go to a country the carrier refuses, some are cancelled. */
export function planPurchases(options: LoadOptions, runId: string): PlannedPurchase[] {
  return Array.from({ length: options.purchases }, (_, index) => {
    const roll = options.random();
    const kind: PurchaseKind = roll < 0.15 ? 'refuse' : roll < 0.3 ? 'cancel' : 'complete';
    return {
      key: `${runId}-${index}`,
      kind,
      sku: options.skus[index % options.skus.length],
      quantity: 1 + Math.floor(options.random() * 2),
      buyer: index % options.buyers,
      attempts: 0,
      answers: [],
    };
  });
}

/**
 * Sends each planned purchase the way a careful client would: with an Idempotency-Key, retrying through 5xx answers
 * and dropped connections with the same key. A cancel goes to the workflow as a signal, retried until Temporal takes it.
 */
export async function sendPurchases(
  system: RunningSystem,
  temporal: () => Client,
  plan: PlannedPurchase[],
  tokens: string[],
  options: LoadOptions,
): Promise<void> {
  const gap = plan.length > 1 ? options.spreadMs / plan.length : 0;
  const clients = tokens.map((token) =>
    options.gatewayUrl ? createGatewayClient(options.gatewayUrl, { token }) : system.client(token),
  );
  await Promise.all(
    plan.map(async (purchase, index) => {
      await sleep(index * gap);
      const deadline = Date.now() + options.giveUpAfterMs;
      while (!purchase.id && Date.now() < deadline) {
        purchase.attempts += 1;
        // A dropped connection counts as status 0: the client retries it with the same key.
        const answer = await clients[purchase.buyer]
          .POST('/purchases', {
            params: { header: { 'idempotency-key': purchase.key } },
            body: {
              items: [{ sku: purchase.sku, quantity: purchase.quantity }],
              address: purchase.kind === 'refuse' ? unserved : served,
            },
          })
          .catch(() => undefined);
        purchase.answers.push(answer?.response.status ?? 0);
        if (answer?.data) purchase.id = answer.data.purchase.id;
        else await sleep(500);
      }
      if (purchase.id && purchase.kind === 'cancel') await signalCancel(temporal, purchase.id, deadline);
    }),
  );
}

async function signalCancel(temporal: () => Client, id: string, deadline: number) {
  while (Date.now() < deadline) {
    try {
      await temporal().workflow.getHandle(purchaseWorkflowId(id)).signal(cancelSignal, { reason: 'chaos: cancel' });
      return;
    } catch {
      await sleep(500);
    }
  }
}
