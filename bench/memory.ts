/**
 * `npm run bench:memory [-- --in-flight N] [--settle-seconds S] [--heap-snapshots DIR] [--temporal-address host:port]
 * [--source]`: each
 * process's memory idle, with N purchases in flight (held in their cancellation window, each with its buyer's long poll
 * open on the gateway, as `npm run bench` waits), and once they have completed; beside them, on the
 * same Temporal server, the bare chain's three workers with N bare chains held at the same step (bench/bare-chain,
 * `hold`). Both sides run compiled, as `npm start -- --production` runs them (bench/sides.ts). Then the ratios the
 * goals name: each owner's worker to the bare activity worker, the orchestrator to the bare workflow worker.
 *
 * Resident memory is the lowest reading over S seconds (default 30): settled, not a peak, and not the garbage of the
 * burst that set the state up, which V8 collects once allocation slows (its memory reducer acts within about 10 to
 * 30 s, on both sides alike). The breakdown, read at the end of that time, splits it as the kernel counts it:
 * anonymous pages (V8's heaps, the SDK's core, thread stacks) and file pages (node's and native modules' code). The
 * main thread's V8 heap (used/total) and the memory V8 tracks outside it (external, array buffers among it) come
 * from each service's /metrics and from each bare worker over IPC; what is left of the RSS ("rest") is native: the
 * SDK's core (Rust), a workflow worker's workflow thread with its own V8 isolate, code, allocator slack. With
 * `--heap-snapshots DIR`, the gateway is also snapshotted after each reading (bench/heap-snapshot.ts), into DIR, and
 * its live objects' size printed: what of its heap is live, and what is garbage not yet collected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { confirmSignal } from '../contracts/temporal';
import { sample } from '../harness/prometheus-text';
import type { RunningSystem } from '../harness/system';
import { bareMemory } from './bare-chain/start';
import { bareQueues, heldQuery, releaseSignal } from './bare-chain/workflow';
import { heapSnapshotFlags, liveHeapMb, takeHeapSnapshot } from './heap-snapshot';
import { placeOrder, waitForPurchase } from './jobs';
import { rssPartsMb } from './proc';
import { sideOptions, startSides } from './sides';

const services = ['orchestrator', 'supplier', 'carrier', 'gateway'] as const;
const bareRoles = ['store', 'supplier', 'carrier'] as const;
/**
 * The gateway only: a Temporal worker signalled for a heap snapshot (the orchestrator, an owner) took no task after
 * it, so the workers' live objects are not read this way.
 */
const snapshotted = ['gateway'] as const;
const readingIntervalMs = 300;
const mb = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? NaN : bytes / 1048576);

interface Figures {
  /** The lowest over the settling time. */
  rss: number;
  /** The breakdown's: resident memory and its parts read together with the heap, at the settling time's end. */
  endRss: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const short = (f: Figures) => `${f.rss.toFixed(0).padStart(4)} MB (heap ${f.heapUsed.toFixed(0)}/${f.heapTotal.toFixed(0)}, external ${f.external.toFixed(0)})`;
const breakdown = (f: Figures) =>
  [f.endRss, f.anon, f.file, f.heapUsed, f.heapTotal, f.external, f.arrayBuffers, f.endRss - f.heapTotal - f.external]
    .map((n) => (Number.isNaN(n) ? '?' : n.toFixed(0)).padStart(7))
    .join('');

async function snapshot(sides: Awaited<ReturnType<typeof startSides>>, settleSeconds: number): Promise<Record<string, Figures>> {
  const { system, bare } = sides;
  const pids: Record<string, number | undefined> = {
    ...Object.fromEntries(services.map((name) => [name, system.pid(name)])),
    ...Object.fromEntries(bareRoles.map((role) => [`bare-${role}`, bare[role].pid])),
  };
  // Settled figures, not a peak: the reading with the lowest resident memory over the settling time.
  const lowest: Record<string, { rss: number; anon: number; file: number }> = {};
  for (let reading = 0; reading < Math.max(1, Math.round((settleSeconds * 1000) / readingIntervalMs)); reading += 1) {
    for (const [name, pid] of Object.entries(pids)) {
      const parts = rssPartsMb(pid);
      if (parts && parts.rss < (lowest[name]?.rss ?? Infinity)) lowest[name] = parts;
    }
    await new Promise((resolve) => setTimeout(resolve, readingIntervalMs));
  }
  // The breakdown pairs the heap with the resident memory of the same moment: V8 may collect between two readings.
  const atEnd = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssPartsMb(pid)]));
  const heaps: Record<string, Omit<Figures, 'rss' | 'endRss' | 'anon' | 'file'>> = {};
  await Promise.all([
    ...services.map(async (name) => {
      const text = await (await fetch(`${system.urls[name]}/metrics`)).text();
      heaps[name] = {
        heapUsed: mb(sample(text, 'nodejs_heap_size_used_bytes')),
        heapTotal: mb(sample(text, 'nodejs_heap_size_total_bytes')),
        external: mb(sample(text, 'nodejs_external_memory_bytes')),
        arrayBuffers: NaN,
      };
    }),
    ...bareRoles.map(async (role) => {
      const figures = await bareMemory(bare[role]);
      heaps[`bare-${role}`] = {
        heapUsed: mb(figures.heapUsed),
        heapTotal: mb(figures.heapTotal),
        external: mb(figures.external),
        arrayBuffers: mb(figures.arrayBuffers),
      };
    }),
  ]);
  return Object.fromEntries(
    Object.keys(pids).map((name) => {
      const end = atEnd[name] ?? { rss: NaN, anon: NaN, file: NaN };
      return [name, { rss: lowest[name]?.rss ?? NaN, endRss: end.rss, anon: end.anon, file: end.file, ...heaps[name]! }];
    }),
  );
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
  const { values } = parseArgs({
    options: {
      'in-flight': { type: 'string', default: '100' },
      'settle-seconds': { type: 'string', default: '30' },
      'heap-snapshots': { type: 'string' },
      ...sideOptions,
    },
  });
  const inFlight = Number(values['in-flight']);
  const settleSeconds = Number(values['settle-seconds']);
  const snapshotDir = values['heap-snapshots'] ? path.resolve(values['heap-snapshots']) : undefined;
  if (snapshotDir) fs.mkdirSync(snapshotDir, { recursive: true });
  const nodeFlags = [values['node-flags'], ...(snapshotDir ? heapSnapshotFlags(snapshotDir) : [])].filter(Boolean).join(' ');
  const sides = await startSides({ ...values, 'node-flags': nodeFlags || undefined }, {
    PURCHASE_CANCEL_WINDOW: '10m',
    LOG_LEVEL: 'warn',
    // As in npm run bench: a bound near what the one user holds, not the harness's 100000.
    MAX_PURCHASES_IN_FLIGHT: String(inFlight * 4),
  });
  const { system, client, systemClient } = sides;
  const live: Record<string, Record<string, number>> = {};
  /** The gateway's live objects now, from a heap snapshot kept in the snapshot folder as `gateway-<phase>`. */
  const liveObjects = async (phase: string) => {
    if (!snapshotDir) return;
    for (const name of snapshotted) {
      const file = await takeHeapSnapshot(system.pid(name)!, snapshotDir);
      const kept = path.join(snapshotDir, `${name}-${phase}.heapsnapshot`);
      fs.renameSync(file, kept);
      (live[name] ??= {})[phase] = liveHeapMb(kept);
    }
  };
  try {
    await system.stockedProduct('MEMORY-1', inFlight, 100);
    const { token } = await system.newUser('memory');
    const buyer = system.client(token);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idle = await snapshot(sides, settleSeconds);
    await liveObjects('idle');

    const placed = await Promise.all(
      Array.from({ length: inFlight }, async () => (await placeOrder(buyer, 'MEMORY-1')).purchase),
    );
    // Each buyer waits for its purchase as `npm run bench` does: a long poll on the gateway, asked again every 30 s.
    const waits = Promise.all(placed.map((purchase) => waitForPurchase(system, token, purchase.id)));
    // Awaited once the purchases complete; a failed poll before then is reported there, after the readings.
    waits.catch(() => undefined);
    const chains = await Promise.all(
      Array.from({ length: inFlight }, (_, index) =>
        client.workflow.start('bareChain', { taskQueue: bareQueues.store, workflowId: `bare-held-${Date.now()}-${index}`, args: [`held-${index}`, true] }),
      ),
    );
    await system.waitUntil(`${inFlight} purchases in their window`, async () => (await countOf(buyer, 'RESERVE_DELIVERED')) === inFlight, 300_000);
    await system.waitUntil(`${inFlight} bare chains held`, async () => (await Promise.all(chains.map((chain) => chain.query(heldQuery)))).every(Boolean), 300_000);
    const holding = await snapshot(sides, settleSeconds);
    await liveObjects('in-flight');

    await Promise.all(placed.map((purchase) => systemClient.workflow.getHandle(purchase.workflowId).signal(confirmSignal)));
    await Promise.all(chains.map((chain) => chain.signal(releaseSignal)));
    await waits;
    await system.waitUntil(`${inFlight} purchases completed`, async () => (await countOf(buyer, 'COMPLETED')) === inFlight, 300_000);
    await Promise.all(chains.map((chain) => chain.result()));
    const after = await snapshot(sides, settleSeconds);
    await liveObjects('after');

    const names = Object.keys(idle);
    console.log(`\n${sides.describe}`);
    console.log(
      `resident memory, MB, the lowest over ${settleSeconds} s (the main thread's V8 heap used/total and external at its end);` +
        ` ${inFlight} in flight on each side, the purchases' buyers each with a long poll open\n`,
    );
    console.log(`${'process'.padEnd(15)}${'idle'.padEnd(40)}${`${inFlight} in flight`.padEnd(40)}after they completed`);
    for (const name of names) console.log(`${name.padEnd(15)}${short(idle[name]!).padEnd(40)}${short(holding[name]!).padEnd(40)}${short(after[name]!)}`);

    console.log(`\nwith ${inFlight} in flight, MB, read together at the settling time's end: RSS = anon + file pages; heap, external`);
    console.log('(array buffers among it) of the main thread;');
    console.log('rest = RSS - heap total - external: native memory (the SDK core, a workflow thread and its isolate, code)');
    console.log(`${'process'.padEnd(15)}${['RSS', 'anon', 'file', 'used', 'heap', 'extern', 'arrbuf', 'rest'].map((h) => h.padStart(7)).join('')}`);
    for (const name of names) console.log(`${name.padEnd(15)}${breakdown(holding[name]!)}`);

    if (snapshotDir) {
      console.log(`\nlive objects, MB (heap snapshots in ${snapshotDir}, each after V8's full collection)`);
      console.log(`${'process'.padEnd(15)}${['idle', 'in flight', 'after'].map((h) => h.padStart(10)).join('')}`);
      for (const name of snapshotted) {
        const row = ['idle', 'in-flight', 'after'].map((phase) => (live[name]?.[phase] ?? NaN).toFixed(1).padStart(10)).join('');
        console.log(`${name.padEnd(15)}${row}`);
      }
    }

    const ratio = (name: string, of: string) => holding[name]!.rss / holding[of]!.rss;
    const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(`\nwith ${inFlight} in flight:`);
    for (const [name, of] of [['supplier', 'bare-supplier'], ['carrier', 'bare-carrier'], ['orchestrator', 'bare-store']] as const) {
      console.log(`${name} ${ratio(name, of).toFixed(2)}× ${of} (goal ≤ 1.25×: ${goal(ratio(name, of) <= 1.25)})`);
    }
    console.log(`gateway ${holding.gateway!.rss.toFixed(0)} MB (goal ≤ 150 MB: ${goal(holding.gateway!.rss <= 150)})`);
  } finally {
    await sides.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
