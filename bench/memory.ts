/**
 * `npm run bench:memory [-- --in-flight N]`: each process's memory idle, then with N purchases in flight (held in
 * their cancellation window), then once they have completed. Resident memory from /proc; the main thread's V8 heap and
 * the memory outside it (buffers, native) from each process's own `/metrics`. A workflow worker's workflow thread has a
 * V8 heap of its own, which only the resident figure includes.
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { confirmSignal } from '../contracts/temporal';
import { sample } from '../harness/prometheus-text';
import { startSystem, type RunningSystem } from '../harness/system';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { placeOrder } from './jobs';
import { rssMb } from './proc';

const services = ['orchestrator', 'supplier', 'carrier', 'gateway'] as const;
const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : (bytes / 1048576).toFixed(0));

async function snapshot(system: RunningSystem) {
  // Settled figures, not a peak: the lowest resident memory over a few seconds.
  const lowest: Record<string, number> = {};
  for (let reading = 0; reading < 10; reading += 1) {
    for (const name of services) lowest[name] = Math.min(lowest[name] ?? Infinity, rssMb(system.pid(name)) ?? Infinity);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return Object.fromEntries(
    await Promise.all(
      services.map(async (name) => {
        const text = await (await fetch(`${system.urls[name]}/metrics`)).text();
        const heap = `heap ${mb(sample(text, 'nodejs_heap_size_used_bytes'))}/${mb(sample(text, 'nodejs_heap_size_total_bytes'))}, external ${mb(sample(text, 'nodejs_external_memory_bytes'))}`;
        return [name, `${lowest[name]!.toFixed(0).padStart(4)} MB (${heap})`];
      }),
    ),
  ) as Record<(typeof services)[number], string>;
}

/** The buyer's purchases in one status, counted through every page of GET /purchases. */
async function countOf(buyer: ReturnType<RunningSystem['client']>, status: 'RESERVE_DELIVERED' | 'COMPLETED') {
  let count = 0;
  let cursor: string | undefined;
  do {
    const { data } = await buyer.GET('/purchases', { params: { query: { status, limit: 200, ...(cursor ? { cursor } : {}) } } });
    count += data?.items.length ?? 0;
    cursor = data?.nextCursor;
  } while (cursor);
  return count;
}

async function main() {
  const { values } = parseArgs({ options: { 'in-flight': { type: 'string', default: '100' } } });
  const inFlight = Number(values['in-flight']);
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  const system = await startSystem({ env: { PURCHASE_CANCEL_WINDOW: '10m', LOG_LEVEL: 'warn' } });
  const connection = await Connection.connect({ address: system.temporalAddress });
  try {
    await system.stockedProduct('MEMORY-1', inFlight, 100);
    const buyer = system.client((await system.newUser('memory')).token);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idle = await snapshot(system);

    const placed = await Promise.all(
      Array.from({ length: inFlight }, async () => (await placeOrder(buyer, 'MEMORY-1')).purchase),
    );
    await system.waitUntil(`${inFlight} purchases in their window`, async () => (await countOf(buyer, 'RESERVE_DELIVERED')) === inFlight, 300_000);
    const holding = await snapshot(system);

    const client = new Client({ connection, dataConverter: system.dataConverter });
    await Promise.all(placed.map((purchase) => client.workflow.getHandle(purchase.workflowId).signal(confirmSignal)));
    await system.waitUntil(`${inFlight} purchases completed`, async () => (await countOf(buyer, 'COMPLETED')) === inFlight, 300_000);
    const after = await snapshot(system);

    console.log(`\nresident memory (and the main thread's V8 heap used/total, memory outside it), MB; ${inFlight} in flight\n`);
    console.log(`${'process'.padEnd(14)}${'idle'.padEnd(40)}${`${inFlight} in flight`.padEnd(40)}after they completed`);
    for (const name of services) console.log(`${name.padEnd(14)}${idle[name].padEnd(40)}${holding[name].padEnd(40)}${after[name]}`);
  } finally {
    await connection.close();
    await system.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
