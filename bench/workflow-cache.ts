/**
 * `npm run bench:workflow-cache [-- --purchases 150 --cache 250 --heap-limit 256 --window 40s]`: what the orchestrator's
 * workflow cache saves when a memory limit sizes it. The system runs compiled, the orchestrator with the heap limit
 * Node.js takes in a container of the chart's limit (`--max-old-space-size`; 256 MiB at 512Mi), twice: on the Temporal
 * SDK's default cache, which that heap limit sizes, then with `MAX_CACHED_WORKFLOWS`. Each time N purchases are placed
 * 20 at a time and held in their window, then complete. Prints the SDK's cache counts from the orchestrator's
 * /metrics, its CPU per purchase and its resident memory idle and with every purchase in its window.
 */
import { parseArgs } from 'node:util';
import { sumOf } from '../harness/prometheus-text';
import { startSystem } from '../harness/system';
import { buildAll, buildIsCurrent } from '../scripts/build';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { cpuSeconds, rssMb } from './proc';

const sku = 'CACHE-BENCH';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(options: { purchases: number; heapLimitMb: number; window: string; cache?: number }) {
  const system = await startSystem({
    compiled: true,
    // Beside the image's own options (launch/services.ts), which every compiled process runs with.
    nodeOptions: [`--max-old-space-size=${options.heapLimitMb}`],
    env: {
      PURCHASE_CANCEL_WINDOW: options.window,
      ...(options.cache ? { MAX_CACHED_WORKFLOWS: String(options.cache) } : {}),
    },
  });
  try {
    await system.stockedProduct(sku, options.purchases + 100);
    const buyer = await system.newUser();
    const place = () => system.placePurchase(buyer.token, [{ sku, quantity: 1 }]);
    const metrics = async () => (await fetch(`${system.urls.orchestrator}/metrics`)).text();
    // Unmeasured: the first purchases pay the processes' JIT compilation.
    for (const id of await Promise.all(Array.from({ length: 10 }, place))) {
      await system.waitForPurchase(buyer.token, id, ['COMPLETED'], 180_000);
    }
    const pid = system.pid('orchestrator');
    await sleep(10_000);
    const idleMb = rssMb(pid) ?? NaN;
    const before = await metrics();
    const cpuBefore = cpuSeconds(pid) ?? NaN;
    const ids: string[] = [];
    for (let placed = 0; placed < options.purchases; placed += 20) {
      ids.push(...(await Promise.all(Array.from({ length: Math.min(20, options.purchases - placed) }, place))));
    }
    await sleep(5_000);
    const heldMb = rssMb(pid) ?? NaN;
    const cachedWhileHeld = sumOf(await metrics(), 'temporal_sticky_cache_size');
    for (const id of ids) await system.waitForPurchase(buyer.token, id, ['COMPLETED'], 300_000);
    const after = await metrics();
    const counted = (name: string) => sumOf(after, name) - sumOf(before, name);
    return {
      cachedWhileHeld,
      evictions: counted('temporal_sticky_cache_total_forced_eviction_total'),
      misses: counted('temporal_sticky_cache_miss_total'),
      cpuMsPerPurchase: (((cpuSeconds(pid) ?? NaN) - cpuBefore) * 1000) / options.purchases,
      idleMb,
      heldMb,
    };
  } finally {
    await system.stop();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      purchases: { type: 'string', default: '150' },
      cache: { type: 'string', default: '250' },
      'heap-limit': { type: 'string', default: '256' },
      window: { type: 'string', default: '40s' },
    },
  });
  const purchases = Number(values.purchases);
  const heapLimitMb = Number(values['heap-limit']);
  process.env.TEMPORAL_CLI ??= await ensureTemporalCli();
  if (!buildIsCurrent()) {
    console.log('building dist/ (npm run build)');
    await buildAll();
  }
  const rows = [
    { name: 'the SDK default', cache: undefined },
    { name: `MAX_CACHED_WORKFLOWS=${values.cache}`, cache: Number(values.cache) },
  ];
  console.log(
    `${purchases} purchases placed 20 at a time, held ${values.window} in their window; orchestrator compiled with ` +
      `--max-old-space-size=${heapLimitMb}`,
  );
  console.log('cache                        size  evictions  misses  CPU ms/purchase  RSS idle → held');
  for (const row of rows) {
    const result = await run({ purchases, heapLimitMb, window: values.window, cache: row.cache });
    console.log(
      `${row.name.padEnd(26)} ${String(result.cachedWhileHeld).padStart(6)} ${String(result.evictions).padStart(10)} ` +
        `${String(result.misses).padStart(7)} ${result.cpuMsPerPurchase.toFixed(1).padStart(16)}  ` +
        `${result.idleMb.toFixed(0)} → ${result.heldMb.toFixed(0)} MB`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
