/** One job of each side, as the benchmarks run them: a purchase through the gateway, a bare chain through a client. */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Purchase } from '../client';
import type { RunningSystem } from '../harness/system';
import { bareQueues } from './bare-chain/workflow';

export const address = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const finished: Purchase['status'][] = ['COMPLETED', 'FAILED', 'CANCELLED'];
const postRetries = 20;

/**
 * POST /purchases as the contract tells a client to: with an Idempotency-Key, and again with the same key after a 5xx
 * (a 503 means the start's answer was not had in time; the retry returns the one purchase). `onRetry` hears of each
 * repeated POST.
 */
export async function placeOrder(buyer: ReturnType<RunningSystem['client']>, sku: string, onRetry: () => void = () => {}) {
  const idempotencyKey = `bench-${randomUUID()}`;
  for (let attempt = 1; ; attempt += 1) {
    const answer = await buyer.POST('/purchases', {
      params: { header: { 'idempotency-key': idempotencyKey } },
      body: { items: [{ sku, quantity: 1 }], address },
    });
    if (answer.data) return answer.data;
    if (answer.response.status < 500 || attempt === postRetries) {
      throw new Error(`POST /purchases answered ${answer.response.status} (attempt ${attempt}): ${JSON.stringify(answer.error)}`);
    }
    onRetry();
  }
}

/** Long polls that had no answer within their wait and a margin, and were asked again (printed by the benchmark). */
export const unansweredPolls = { count: 0 };
const pollMarginMs = 15_000;

/**
 * Waits for a purchase to finish as a client would: the gateway's long poll, asked again while it is not final, and
 * again when one has no answer 15 s after its 30 s wait (counted in `unansweredPolls`, rather than held for fetch's own
 * 300 s timeout).
 */
export async function waitForPurchase(system: RunningSystem, token: string, id: string): Promise<Purchase> {
  for (;;) {
    const answer = await system
      .client(token)
      .GET('/purchases/{id}', { params: { path: { id }, query: { wait: '30s' } }, signal: AbortSignal.timeout(30_000 + pollMarginMs) })
      .catch((error: unknown) => {
        if ((error as Error).name !== 'TimeoutError') throw error;
        unansweredPolls.count += 1;
        return undefined;
      });
    if (!answer) continue;
    if (answer.response.status !== 200) throw new Error(`GET /purchases/${id}?wait=30s answered ${answer.response.status}`);
    const purchase = answer.data!.purchase;
    if (finished.includes(purchase.status)) return purchase;
  }
}

/** Starts one bare chain; `accepted` is called once Temporal holds the start; resolves when the chain completes. */
export async function runBareChain(client: Client, accepted: () => void = () => {}) {
  const handle = await client.workflow.start('bareChain', {
    taskQueue: bareQueues.store,
    workflowId: `bare-${randomUUID()}`,
    args: ['x'],
  });
  accepted();
  await handle.result();
}

/** Runs `total` jobs, `concurrency` at a time. */
export async function inParallel(total: number, concurrency: number, job: () => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        await job();
      }
    }),
  );
}
