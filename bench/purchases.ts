/**
 * `npm run bench -- [--purchases N] [--concurrency 10,20,50,100] [--warmup W] [--read-seconds S]
 * [--temporal-address host:port] [--source]`: starts the real processes, compiled (dist/, as `npm start --
 * --production` runs them; `--source` runs them through tsx), on SQLite (or the server databases named by
 * DATABASE_URL, SUPPLIER_DATABASE_URL, CARRIER_DATABASE_URL) with no cancellation window, and beside them, on the same
 * Temporal server (a dev server of its own, or the one `--temporal-address`/TEMPORAL_ADDRESS names), the bare chain
 * (bench/bare-chain: seven no-op activities over three task queues, its workers run the same way). At each
 * concurrency it runs N purchases through the gateway and N bare chains through a Temporal client, and prints one
 * table: throughput, start latency, completion latency, each worker's peak RSS, and the purchase's ratios to the bare
 * chain. First, W jobs of each side (10 at a time) are run and not measured: the first requests of a fresh process
 * pay its JIT compilation and fill its caches (Prisma's query plans, the SDK's workflow cache), which would otherwise
 * land in the first level's tail. Then it loads the read path (GET /products, GET /purchases) with autocannon.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sumOf } from '../harness/prometheus-text';
import type { RunningSystem } from '../harness/system';
import { inParallel, placeOrder, runBareChain, unansweredPolls, waitForPurchase } from './jobs';
import { cpuMeter, rssMb } from './proc';
import { sideOptions, startSides } from './sides';

function percentile(figures: number[], p: number): number {
  const sorted = [...figures].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Peak resident memory of some processes, sampled from /proc every 100 ms while a round runs, and the CPU time each
 * used during the round.
 */
function sampleProcesses(pids: Record<string, number | undefined>) {
  const peak: Record<string, number> = {};
  const cpuUsed = cpuMeter(pids);
  const read = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const mb = rssMb(pid);
      if (mb !== undefined) peak[name] = Math.max(peak[name] ?? 0, mb);
    }
  };
  const timer = setInterval(read, 100);
  return () => {
    clearInterval(timer);
    read();
    return { rss: peak, cpu: cpuUsed() };
  };
}

interface Round {
  /** Completed jobs per second; a failed job (an error answer, a purchase that did not complete) does not count. */
  throughput: number;
  failed: number;
  firstError?: string;
  startP50: number;
  startP99: number;
  doneP50: number;
  doneP99: number;
  rss: Record<string, number>;
  /** CPU milliseconds each process used in the round. */
  cpu: Record<string, number>;
}

/** Runs `total` jobs, `concurrency` at a time; each reports when it was accepted and resolves when complete. */
async function round(total: number, concurrency: number, job: (accepted: () => void) => Promise<void>, pids: Record<string, number | undefined>): Promise<Round> {
  const startMs: number[] = [];
  const doneMs: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const stopSampling = sampleProcesses(pids);
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const sent = performance.now();
        try {
          await job(() => startMs.push(performance.now() - sent));
          doneMs.push(performance.now() - sent);
        } catch (error) {
          // Counted and shown, not fatal: errors under load are part of what the benchmark measures.
          failed += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  return {
    throughput: doneMs.length / seconds,
    failed,
    ...(firstError ? { firstError } : {}),
    startP50: percentile(startMs, 50),
    startP99: percentile(startMs, 99),
    doneP50: percentile(doneMs, 50),
    doneP99: percentile(doneMs, 99),
    ...stopSampling(),
  };
}

/** What the workers did beyond the saga's own steps: retried attempts, failed workflow tasks (the SDK's counters). */
const workerCounters = {
  'activity attempts': 'temporal_activity_task_received_total',
  'failed activity attempts': 'temporal_activity_execution_failed_total',
  'failed local activity attempts': 'temporal_local_activity_execution_failed_total',
  'failed workflow tasks': 'temporal_workflow_task_execution_failed_total',
} as const;

async function readWorkerCounters(system: RunningSystem): Promise<Record<string, number>> {
  const texts = await Promise.all(
    [system.urls.orchestrator, system.urls.supplier, system.urls.carrier].map(async (url) => (await fetch(`${url}/metrics`)).text()),
  );
  return Object.fromEntries(
    Object.entries(workerCounters).map(([label, metric]) => [label, texts.reduce((total, text) => total + sumOf(text, metric), 0)]),
  );
}

let retriedPosts = 0;

async function readLoad(url: string, token: string, seconds: number) {
  const result = await autocannon({ url, connections: 20, duration: seconds, headers: { authorization: `Bearer ${token}` } });
  const { latency, requests, non2xx } = result;
  return `${url.replace(/^https?:\/\/[^/]+/, '').padEnd(20)} ${requests.average.toFixed(0).padStart(6)} req/s  ` +
    `p50 ${latency.p50} ms  p90 ${latency.p90} ms  p99 ${latency.p99} ms  non-2xx ${non2xx}`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      purchases: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '10,20,50,100' },
      warmup: { type: 'string', default: '20' },
      'read-seconds': { type: 'string', default: '10' },
      ...sideOptions,
    },
  });
  const total = Number(values.purchases);
  const levels = values.concurrency.split(',').map(Number);
  const warmup = Number(values.warmup);
  const sides = await startSides(values, {
    PURCHASE_CANCEL_WINDOW: '0s',
    LOG_LEVEL: 'warn',
    // The one benchmark user holds at most C purchases in flight: a bound of 4C, not the harness's 100000 (each claim
    // of an in-flight slot costs the gateway time in proportion to the bound).
    MAX_PURCHASES_IN_FLIGHT: String(Math.max(...levels, 10) * 4),
  });
  const { system, bare, client } = sides;
  try {
    await system.stockedProduct('BENCH-1', (total * levels.length + warmup) * 2, 100);
    const { token } = await system.newUser('bench');
    const buyer = system.client(token);
    const purchaseJob = async (accepted: () => void) => {
      const answer = await placeOrder(buyer, 'BENCH-1', () => (retriedPosts += 1));
      accepted();
      const done = await waitForPurchase(system, token, answer.purchase.id);
      if (done.status !== 'COMPLETED') throw new Error(`purchase ended ${done.status}`);
    };
    await inParallel(warmup, 10, () => runBareChain(client));
    await inParallel(warmup, 10, () => purchaseJob(() => {}));
    retriedPosts = 0;
    unansweredPolls.count = 0;
    // Both sides share the Temporal server, and this process as their client.
    const shared = { temporal: sides.temporalPid, client: process.pid };
    const servicePids = { ...Object.fromEntries(['orchestrator', 'supplier', 'carrier', 'gateway'].map((name) => [name, system.pid(name)])), ...shared };
    const barePids = { ...Object.fromEntries(Object.entries(bare).map(([role, child]) => [`bare-${role}`, child.pid])), ...shared };

    const rows: string[] = [];
    const fmt = (n: number) => n.toFixed(0).padStart(6);
    rows.push(
      'side      conc   done/s  failed  start p50  start p99  done p50  done p99  peak RSS MB (per process)',
    );
    const ratios: string[] = [];
    const cpuRows: string[] = ['side      conc  CPU ms per job (per process)'];
    const workRows: string[] = [];
    const best: number[] = [];
    for (const concurrency of levels) {
      const chain = await round(total, concurrency, (accepted) => runBareChain(client, accepted), barePids);
      const countersBefore = await readWorkerCounters(system);
      const saga = await round(total, concurrency, purchaseJob, servicePids);
      const countersAfter = await readWorkerCounters(system);
      workRows.push(
        `c=${concurrency}: ` +
          Object.keys(workerCounters)
            .map((label) => `${label} ${((countersAfter[label]! - countersBefore[label]!) / total).toFixed(2)}`)
            .join(', ') +
          ' per purchase',
      );
      best.push(saga.throughput);
      if (retriedPosts > 0) console.error(`purchase c=${concurrency}: ${retriedPosts} POSTs answered 5xx and were sent again with their key`);
      if (unansweredPolls.count > 0) console.error(`purchase c=${concurrency}: ${unansweredPolls.count} long polls (?wait=30s) had no answer in 45 s and were sent again`);
      retriedPosts = 0;
      unansweredPolls.count = 0;
      for (const [side, figures] of [['bare', chain], ['purchase', saga]] as const) {
        if (figures.firstError) console.error(`${side} c=${concurrency}: ${figures.failed} failed; first: ${figures.firstError}`);
      }
      for (const [side, figures] of [['bare', chain], ['purchase', saga]] as const) {
        const rss = Object.entries(figures.rss)
          .filter(([name]) => !(name in shared))
          .map(([name, mb]) => `${name} ${mb.toFixed(0)}`)
          .join(', ');
        rows.push(
          `${side.padEnd(9)} ${String(concurrency).padStart(4)} ${figures.throughput.toFixed(1).padStart(8)} ${String(figures.failed).padStart(7)} ${fmt(figures.startP50)} ms ${fmt(figures.startP99)} ms ` +
            `${fmt(figures.doneP50)} ms ${fmt(figures.doneP99)} ms  ${rss}`,
        );
      }
      for (const [side, figures] of [['bare', chain], ['purchase', saga]] as const) {
        const perJob = Object.entries(figures.cpu).map(([name, ms]) => `${name} ${(ms / total).toFixed(0)}`).join(', ');
        cpuRows.push(`${side.padEnd(9)} ${String(concurrency).padStart(4)}  ${perJob}`);
      }
      ratios.push(
        `c=${concurrency}: throughput ${(saga.throughput / chain.throughput).toFixed(2)}× bare, ` +
          `POST p99 ${(saga.startP99 / chain.startP99).toFixed(2)}× bare start p99, ` +
          `completion p99 ${(saga.doneP99 / chain.doneP99).toFixed(2)}× bare`,
      );
    }
    console.log(`\n${sides.describe}`);
    console.log(`${total} per side per level, after ${warmup} of each unmeasured; ${os.cpus().length} cores; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(rows.join('\n'));
    console.log(cpuRows.join('\n'));
    console.log(workRows.join('\n'));
    console.log(ratios.join('\n'));
    const top = levels.indexOf(Math.max(...levels));
    if (levels.length > 1) {
      const others = best.filter((_, index) => index !== top);
      console.log(`c=${levels[top]} throughput is ${((best[top] / Math.max(...others)) * 100).toFixed(0)} % of the best other level`);
    }

    const seconds = Number(values['read-seconds']);
    if (seconds > 0) {
      console.log('\nread path (autocannon, 20 connections):');
      console.log(await readLoad(`${system.urls.gateway}/products`, token, seconds));
      // A page of the default size, as a client that lists them asks for, and the largest page there is.
      console.log(await readLoad(`${system.urls.gateway}/purchases?limit=50`, token, seconds));
      console.log(await readLoad(`${system.urls.gateway}/purchases?limit=200`, token, seconds));
    }
  } catch (error) {
    // Said before the clean-up, whose own errors (a closed channel under a pending call) would hide it.
    console.error(error);
    process.exitCode = 1;
  } finally {
    await sides.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
