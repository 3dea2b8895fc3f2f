/**
 * `npm run bench -- [--purchases N] [--concurrency N]`: starts the real processes on SQLite (or the server databases
 * named by DATABASE_URL, SUPPLIER_DATABASE_URL, CARRIER_DATABASE_URL) with no cancellation window, sends purchases
 * through the gateway, and prints how fast they are accepted and how long each takes to complete.
 */
import { parseArgs } from 'node:util';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startSystem } from '../test/support/system';

const address = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const { values } = parseArgs({
    options: { purchases: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '20' } },
  });
  const total = Number(values.purchases);
  const concurrency = Number(values.concurrency);
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  const system = await startSystem({ env: { PURCHASE_CANCEL_WINDOW: '0s', LOG_LEVEL: 'error' } });
  try {
    const admin = await system.adminToken();
    await system.api('POST', '/products', { token: admin, body: { sku: 'BENCH-1', name: 'Bench', priceCents: 100, stock: total * 2 } });
    const { token } = await system.newUser('bench');

    const acceptMs: number[] = [];
    const completeMs: number[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < total) {
        next += 1;
        const sent = performance.now();
        const answer = await system.api('POST', '/purchases', {
          token,
          body: { items: [{ sku: 'BENCH-1', quantity: 1 }], address },
        });
        acceptMs.push(performance.now() - sent);
        const done = await system.waitForPurchase(token, answer.body.purchase.id, ['COMPLETED', 'FAILED', 'CANCELLED'], 120_000);
        if (done.status !== 'COMPLETED') throw new Error(`purchase ended ${done.status}`);
        completeMs.push(performance.now() - sent);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = (performance.now() - started) / 1000;

    for (const [name, figures] of [
      ['POST /purchases (202)', acceptMs],
      ['202 → COMPLETED', completeMs],
    ] as const) {
      const sorted = [...figures].sort((a, b) => a - b);
      console.log(
        `${name.padEnd(22)} p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, ` +
          `max ${sorted[sorted.length - 1].toFixed(0)} ms`,
      );
    }
    console.log(`${total} purchases, concurrency ${concurrency}: ${(total / elapsed).toFixed(1)} completed purchases/s`);
  } finally {
    await system.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
