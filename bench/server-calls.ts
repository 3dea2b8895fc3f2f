/**
 * `npm run bench:server-calls [-- --purchases N]`: what one purchase costs the Temporal server, beside one bare chain
 * (bench/bare-chain), counted by the dev server itself: its requests by service and operation, and the writes to its
 * persistence. Runs N purchases (no cancellation window), one at a time as a client would (POST, then GET ?wait=),
 * then N bare chains on the same server, and prints each operation's count per job. Counts, unlike timings, do not
 * depend on what else the machine is doing.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { startSystem } from '../harness/system';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startBareWorkers } from './bare-chain/start';
import { bareQueues } from './bare-chain/workflow';

type Counts = Map<string, number>;

/** The dev server's request and persistence counters, summed by metric, service and operation. */
async function serverCounts(metricsUrl: string): Promise<Counts> {
  const counts: Counts = new Map();
  for (const line of (await (await fetch(metricsUrl)).text()).split('\n')) {
    const sample = /^(service_requests|persistence_requests)\{([^}]*)\} (\S+)$/.exec(line);
    if (!sample) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(sample[2])?.[1] ?? '?';
    const key = `${sample[1] === 'service_requests' ? 'request' : 'persistence'} ${label('service_name')} ${label('operation')}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(sample[3]));
  }
  return counts;
}

/** Runs `job` `times` times, one after another, and answers each counter's increase per job. */
async function perJob(metricsUrl: string, times: number, job: () => Promise<void>): Promise<Counts> {
  const before = await serverCounts(metricsUrl);
  for (let done = 0; done < times; done += 1) await job();
  // Visibility and transfer tasks finish a moment after the workflow.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = await serverCounts(metricsUrl);
  return new Map([...after].map(([key, value]) => [key, (value - (before.get(key) ?? 0)) / times]));
}

/** The operations that are work per job; the dev server's background loops (cluster metadata, namespaces, task queue reads) tick with time instead. */
const perJobOperations = /^request (frontend|history|matching) |^persistence history (Create|Update|Append|GetWorkflowExecution|ReadHistoryBranch)/;

async function main() {
  const { values } = parseArgs({ options: { purchases: { type: 'string', default: '40' } } });
  const times = Number(values.purchases);
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  const system = await startSystem({ temporalMetrics: true, env: { PURCHASE_CANCEL_WINDOW: '0s', LOG_LEVEL: 'warn' } });
  const bare = await startBareWorkers(system.temporalAddress);
  const connection = await Connection.connect({ address: system.temporalAddress });
  try {
    await system.stockedProduct('CALLS-1', times, 100);
    const buyer = system.client((await system.newUser('calls')).token);
    const purchase = await perJob(system.urls.temporalMetrics, times, async () => {
      const placed = await buyer.POST('/purchases', {
        params: { header: { 'idempotency-key': randomUUID() } },
        body: { items: [{ sku: 'CALLS-1', quantity: 1 }], address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' } },
      });
      const id = placed.data!.purchase.id;
      const done = await buyer.GET('/purchases/{id}', { params: { path: { id }, query: { wait: '30s' } } });
      if (done.data?.purchase.status !== 'COMPLETED') throw new Error(`purchase ${id} ended ${done.data?.purchase.status}`);
    });
    const client = new Client({ connection });
    const chain = await perJob(system.urls.temporalMetrics, times, async () => {
      const handle = await client.workflow.start('bareChain', { taskQueue: bareQueues.store, workflowId: `bare-${randomUUID()}`, args: ['x'] });
      await handle.result();
    });

    const keys = [...new Set([...purchase.keys(), ...chain.keys()])]
      .filter((key) => perJobOperations.test(key) && Math.max(purchase.get(key) ?? 0, chain.get(key) ?? 0) >= 0.5)
      .sort((a, b) => (chain.get(b) ?? 0) + (purchase.get(b) ?? 0) - (chain.get(a) ?? 0) - (purchase.get(a) ?? 0));
    const figure = (value = 0) => value.toFixed(1).padStart(8);
    console.log(`\nTemporal server work per job, ${times} of each, one at a time\n`);
    console.log(`${'service  operation'.padEnd(56)} purchase  bare chain`);
    for (const key of keys) console.log(`${key.padEnd(56)}${figure(purchase.get(key))}  ${figure(chain.get(key))}`);
    const total = (counts: Counts, prefix: string) =>
      [...counts].filter(([key]) => key.startsWith(prefix) && perJobOperations.test(key)).reduce((sum, [, value]) => sum + value, 0);
    console.log(`${'requests, in all'.padEnd(56)}${figure(total(purchase, 'request'))}  ${figure(total(chain, 'request'))}`);
    console.log(`${'persistence calls, in all'.padEnd(56)}${figure(total(purchase, 'persistence'))}  ${figure(total(chain, 'persistence'))}`);
  } finally {
    await connection.close();
    for (const child of Object.values(bare)) child.kill('SIGTERM');
    await system.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
