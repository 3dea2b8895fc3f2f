import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../config';
import { sumOf } from '../../harness/prometheus-text';
import { startSystem } from '../../harness/system';
import { compiledNodeOptions } from '../../launch/services';
import { memoryCgroup } from '../support/memory-cgroup';

jest.setTimeout(300_000);

const chart = parse(fs.readFileSync(path.join(projectRoot, 'deploy/helm/purchase-saga/values.yaml'), 'utf8'));
const memoryLimit: string = chart.processes.orchestrator.resources.limits.memory;
const chartCacheSize: string = chart.config.MAX_CACHED_WORKFLOWS;

function bytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`a memory quantity this test does not read: ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 2 ** 30 : 2 ** 20);
}

/** More purchases in their window at once than the SDK's default cache holds under the chart's limit (39 at 512Mi). */
const held = 60;

/**
 * The orchestrator as the chart runs it (the image's Node.js options), in a memory cgroup of its memory limit
 * (Node.js sizes its heap from it, and the Temporal SDK its default workflow cache from the heap), with `env`; `held`
 * purchases placed at once, each held in its cancellation window, then completed. Answers the workflow cache's counts
 * from the orchestrator's /metrics.
 */
async function workflowCacheWhileHeld(env: Record<string, string>) {
  const system = await startSystem({ nodeOptions: [...compiledNodeOptions], env: { PURCHASE_CANCEL_WINDOW: '10s' } });
  const cgroup = memoryCgroup('orchestrator', bytes(memoryLimit));
  try {
    await system.stopProcess('orchestrator');
    system.startService('orchestrator', { prefix: cgroup.prefix, env });
    await system.waitUntil(
      'the orchestrator in its cgroup is ready',
      async () => (await fetch(`${system.urls.orchestrator}/ready`)).status === 200,
    );
    const buyer = await system.newUser();
    await system.stockedProduct('CACHE-1', held);
    const ids = await Promise.all(
      Array.from({ length: held }, () => system.placePurchase(buyer.token, [{ sku: 'CACHE-1', quantity: 1 }])),
    );
    for (const id of ids) await system.waitForPurchase(buyer.token, id, ['COMPLETED'], 120_000);
    const metrics = await (await fetch(`${system.urls.orchestrator}/metrics`)).text();
    return {
      forcedEvictions: sumOf(metrics, 'temporal_sticky_cache_total_forced_eviction_total'),
      misses: sumOf(metrics, 'temporal_sticky_cache_miss_total'),
      hits: sumOf(metrics, 'temporal_sticky_cache_hit_total'),
    };
  } finally {
    await system.stop();
    await cgroup.remove();
  }
}

describe(`the orchestrator under the chart's memory limit (${memoryLimit})`, () => {
  it(`keeps ${held} purchases in their window in its workflow cache with the chart's MAX_CACHED_WORKFLOWS: none evicted, none replayed`, async () => {
    expect(Number(chartCacheSize)).toBeGreaterThan(held);
    const cache = await workflowCacheWhileHeld({ MAX_CACHED_WORKFLOWS: chartCacheSize });
    expect({ forcedEvictions: cache.forcedEvictions, misses: cache.misses }).toEqual({ forcedEvictions: 0, misses: 0 });
    // Each purchase's tasks after its first found it cached.
    expect(cache.hits).toBeGreaterThanOrEqual(held);
  });

  it('evicts and replays them on the SDK’s default cache, which that limit sizes (what the setting is for)', async () => {
    const cache = await workflowCacheWhileHeld({});
    expect(cache.forcedEvictions).toBeGreaterThan(0);
    expect(cache.misses).toBeGreaterThan(0);
  });
});
