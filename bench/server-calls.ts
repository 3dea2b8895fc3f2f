/**
 * `npm run bench:server-calls [-- --purchases N]`: what one purchase costs the Temporal server, beside one bare chain
 * (bench/bare-chain), counted by the dev server itself: its requests by service and operation, and the writes to its
 * persistence. Runs N purchases (no cancellation window), one at a time as a client would (POST, then GET ?wait=),
 * then N bare chains on the same server, and prints each operation's count per job. Counts, unlike timings, do not
 * depend on what else the machine is doing.
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { samplesOf } from '../harness/prometheus-text';
import { startSystem } from '../harness/system';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startBareWorkers, stopBareWorkers } from './bare-chain/start';
import { placeOrder, runBareChain, waitForPurchase } from './jobs';
import { cpuMeter } from './proc';

type Counts = Map<string, number>;

/** The dev server's request and persistence counters, summed by metric, service and operation. */
async function serverCounts(metricsUrl: string): Promise<Counts> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: Counts = new Map();
  for (const [metric, kind] of [['service_requests', 'request'], ['persistence_requests', 'persistence']] as const) {
    for (const { labels, value } of samplesOf(text, metric)) {
      const key = `${kind} ${labels.service_name} ${labels.operation}`;
      counts.set(key, (counts.get(key) ?? 0) + value);
    }
  }
  return counts;
}

/**
 * Runs `job` `times` times, one after another, and answers each counter's increase per job, and the CPU milliseconds
 * per job of each process in `pids` (the time a process spends idle meanwhile costs it little).
 */
async function perJob(metricsUrl: string, pids: Record<string, number | undefined>, times: number, job: () => Promise<void>) {
  const before = await serverCounts(metricsUrl);
  const cpuUsed = cpuMeter(pids);
  for (let done = 0; done < times; done += 1) await job();
  // Visibility and transfer tasks finish a moment after the workflow.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = await serverCounts(metricsUrl);
  const cpu = Object.fromEntries(Object.entries(cpuUsed()).map(([name, ms]) => [name, ms / times]));
  return { counts: new Map([...after].map(([key, value]) => [key, (value - (before.get(key) ?? 0)) / times])) as Counts, cpu };
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
    const { token } = await system.newUser('calls');
    const buyer = system.client(token);
    const shared = { temporal: system.pid('temporal'), client: process.pid };
    const services = Object.fromEntries(['gateway', 'orchestrator', 'supplier', 'carrier'].map((name) => [name, system.pid(name)]));
    const bareWorkers = Object.fromEntries(Object.entries(bare).map(([role, child]) => [`bare-${role}`, child.pid]));
    const { counts: purchase, cpu: purchaseCpu } = await perJob(system.temporalMetricsUrl, { ...services, ...shared }, times, async () => {
      const { id } = (await placeOrder(buyer, 'CALLS-1')).purchase;
      const done = await waitForPurchase(system, token, id);
      if (done.status !== 'COMPLETED') throw new Error(`purchase ${id} ended ${done.status}`);
    });
    // The bare chain's workers have no payload codec: its payloads are plain.
    const client = new Client({ connection });
    const { counts: chain, cpu: chainCpu } = await perJob(system.temporalMetricsUrl, { ...bareWorkers, ...shared }, times, () =>
      runBareChain(client),
    );

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
    const cpuLine = (cpu: Record<string, number>) => Object.entries(cpu).map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ');
    console.log(`\nCPU ms per job\npurchase:   ${cpuLine(purchaseCpu)}\nbare chain: ${cpuLine(chainCpu)}`);
  } finally {
    await connection.close();
    await stopBareWorkers(bare);
    await system.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
