import { Client, Connection } from '@temporalio/client';
import { finalPurchaseStatuses } from '../contracts/purchase';
import { connectCarrier, connectStore, connectSupplier } from '../prisma/clients';
import type { DatabaseName } from '../prisma/databases';
import { startSystem, type RunningSystem, type ServiceName } from '../harness/system';
import { createFaultInjector, databaseUrl, type Fault, type InjectedFault } from './faults';
import { checkInvariants, type InvariantResult } from './invariants';
import { planPurchases, sendPurchases, type PlannedPurchase } from './load';
import { startRoundRobinProxy, startTcpProxy, throughProxy, type RoundRobinProxy, type TcpProxy } from './tcp-proxy';

export interface ChaosOptions {
  purchases: number;
  /** How long purchases are sent and faults injected, in milliseconds. */
  durationMs: number;
  /** Inject one fault of each kind (default); off to watch a run with no faults but the test doubles'. */
  fixedFaults?: boolean;
  /** Faults beyond the fixed set: drawn at random over the duration. */
  extraFaults: number;
  seed: number;
  /** How long the run may take to settle after the last fault. */
  settleMs: number;
  /**
   * Server databases to run on (PostgreSQL, MySQL), by service; each is reached through a TCP proxy that the
   * database-away fault pauses. Without them every service runs on its embedded SQLite file.
   */
  databaseUrls?: Partial<Record<DatabaseName, string>>;
  /** Entry files that replace a service (test doubles). */
  entries?: Partial<Record<ServiceName, string>>;
  log?: (line: string) => void;
}

export interface ChaosReport {
  options: ChaosOptions;
  faults: InjectedFault[];
  invariants: InvariantResult[];
  plan: PlannedPurchase[];
  elapsedMs: number;
}

const urlVariables: Record<DatabaseName, string> = {
  store: 'DATABASE_URL',
  supplier: 'SUPPLIER_DATABASE_URL',
  carrier: 'CARRIER_DATABASE_URL',
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stockPerSku = 1000;

/** A small seeded generator (mulberry32): the same seed gives the same purchases and fault times. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every kind of fault once, spread over the run, plus `extraFaults` drawn at random. */
export function faultSchedule(durationMs: number, fixedFaults: boolean, extraFaults: number, random: () => number) {
  const at = (fraction: number) => Math.round(durationMs * fraction);
  const fixed: { atMs: number; fault: Fault }[] = [
    { atMs: 0, fault: { kind: 'second-instance', service: 'supplier' } },
    { atMs: 0, fault: { kind: 'second-instance', service: 'carrier' } },
    { atMs: 0, fault: { kind: 'second-instance', service: 'orchestrator' } },
    { atMs: 0, fault: { kind: 'second-gateway' } },
    { atMs: at(0.1), fault: { kind: 'kill-worker', service: 'supplier', downMs: 2000 } },
    { atMs: at(0.2), fault: { kind: 'kill-worker', service: 'carrier', downMs: 2000 } },
    { atMs: at(0.3), fault: { kind: 'database-away', database: 'supplier', awayMs: 4000 } },
    { atMs: at(0.45), fault: { kind: 'restart-temporal', downMs: 3000 } },
    { atMs: at(0.55), fault: { kind: 'kill-one-of-two', service: 'gateway' } },
    { atMs: at(0.65), fault: { kind: 'kill-worker', service: 'orchestrator', downMs: 2000 } },
    // The only gateway left, killed while purchases are still being submitted: every client meets it.
    { atMs: at(0.7), fault: { kind: 'kill-gateway', downMs: 2000 } },
    { atMs: at(0.75), fault: { kind: 'database-away', database: 'carrier', awayMs: 4000 } },
    { atMs: at(0.9), fault: { kind: 'kill-one-of-two', service: 'supplier' } },
    { atMs: at(0.9), fault: { kind: 'kill-one-of-two', service: 'carrier' } },
    { atMs: at(0.9), fault: { kind: 'kill-one-of-two', service: 'orchestrator' } },
  ];
  const schedule = fixedFaults ? fixed : [];
  const extras: Fault[] = [
    { kind: 'kill-worker', service: 'supplier', downMs: 1500 },
    { kind: 'kill-worker', service: 'carrier', downMs: 1500 },
    { kind: 'kill-worker', service: 'orchestrator', downMs: 1500 },
    { kind: 'database-away', database: 'supplier', awayMs: 3000 },
    { kind: 'database-away', database: 'carrier', awayMs: 3000 },
    { kind: 'database-away', database: 'store', awayMs: 3000 },
    { kind: 'kill-gateway', downMs: 1500 },
  ];
  for (let index = 0; index < extraFaults; index += 1) {
    // Extras land between the fixed faults' recoveries, each at a random moment.
    schedule.push({ atMs: at(0.05 + random() * 0.8), fault: extras[Math.floor(random() * extras.length)] });
  }
  return schedule.sort((a, b) => a.atMs - b.atMs);
}

/**
 * The checks read beside the system's writers; a read that met a lock for too long (SQLite busy, P1008) is asked
 * again, a few times, rather than ending the run without its verdict.
 */
async function readRetried<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if ((error as { code?: string }).code !== 'P1008' || attempt >= 5) throw error;
      await sleep(1000);
    }
  }
}

/** Products and buyers of this run's own, so a run may share databases with earlier ones. */
async function setUp(system: RunningSystem, skus: string[]) {
  for (const sku of skus) await system.stockedProduct(sku, stockPerSku);
  const buyers = await Promise.all(Array.from({ length: 4 }, () => system.newUser('chaos')));
  return { tokens: buyers.map((buyer) => buyer.token), buyerIds: buyers.map((buyer) => buyer.user.id) };
}

/** Watches the supplier's stock while the run goes on, keeping the lowest figures seen. */
function watchStock(system: RunningSystem, lowest: Map<string, { available: number; reserved: number }>) {
  let watching = true;
  const done = (async () => {
    while (watching) {
      const answer = await fetch(`${system.urls.supplier}/inventory`, { headers: system.serviceHeaders }).catch(() => undefined);
      const body = answer?.ok ? ((await answer.json()) as { items: { sku: string; available: number; reserved: number }[] }) : undefined;
      for (const item of body?.items ?? []) {
        const seen = lowest.get(item.sku) ?? { available: Infinity, reserved: Infinity };
        lowest.set(item.sku, {
          available: Math.min(seen.available, item.available),
          reserved: Math.min(seen.reserved, item.reserved),
        });
      }
      await sleep(500);
    }
  })();
  return async () => {
    watching = false;
    await done;
  };
}

/**
 * One chaos run: the real processes, purchases sent through the gateway while workers are killed, Temporal restarts
 * and databases stop answering; then every invariant is checked on what the databases and Temporal hold.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const started = Date.now();
  log(`starting the system (Temporal, gateway, orchestrator, supplier, carrier)…`);
  const proxies: Partial<Record<DatabaseName, TcpProxy>> = {};
  const env: Record<string, string> = { LOG_LEVEL: 'error' };
  for (const [database, url] of Object.entries(options.databaseUrls ?? {}) as [DatabaseName, string][]) {
    const parsed = new URL(url);
    const proxy = await startTcpProxy({ host: parsed.hostname, port: Number(parsed.port) });
    proxies[database] = proxy;
    env[urlVariables[database]] = throughProxy(url, proxy);
  }
  const system = await startSystem({ entries: options.entries, env }).catch(async (error) => {
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
    throw error;
  });
  let temporalClient: Client | undefined;
  let connection: Connection | undefined;
  let gateways: RoundRobinProxy | undefined;
  const temporal = () => {
    if (!temporalClient) throw new Error('not connected yet');
    return temporalClient;
  };
  try {
    const skus = ['A', 'B', 'C'].map((letter) => `CHAOS-${started.toString(36).toUpperCase()}-${letter}`);
    const { tokens, buyerIds } = await setUp(system, skus);
    connection = await Connection.connect({ address: system.temporalAddress });
    temporalClient = new Client({ connection, dataConverter: system.dataConverter });
    // Clients reach the gateways through one address, as behind a load balancer.
    gateways = await startRoundRobinProxy([{ host: '127.0.0.1', port: Number(new URL(system.urls.gateway).port) }]);

    const load = {
      purchases: options.purchases,
      spreadMs: options.durationMs * 0.8,
      skus,
      buyers: tokens.length,
      giveUpAfterMs: options.durationMs + 60_000,
      random,
      gatewayUrl: gateways.url,
    };
    const plan = planPurchases(load, `chaos-${options.seed}-${started}`);
    const lowestSeen = new Map<string, { available: number; reserved: number }>();
    const stopWatching = watchStock(system, lowestSeen);
    const runStart = Date.now();
    const injector = createFaultInjector(system, runStart, proxies, gateways);
    log(`sending ${plan.length} purchases over ${Math.round(options.durationMs / 1000)} s while injecting faults…`);
    await Promise.all([
      injector.run(faultSchedule(options.durationMs, options.fixedFaults ?? true, options.extraFaults, random)),
      sendPurchases(system, temporal, plan, tokens, load),
    ]);

    // Read beside the running system's writers: these clients may wait for an SQLite lock.
    const store = connectStore(databaseUrl(system, 'store'), { waitForLocks: true });
    const supplier = connectSupplier(databaseUrl(system, 'supplier'), { waitForLocks: true });
    const carrier = connectCarrier(databaseUrl(system, 'carrier'), { waitForLocks: true });
    try {
      log('waiting for every purchase to settle…');
      const ids = plan.flatMap((purchase) => (purchase.id ? [purchase.id] : []));
      const deadline = Date.now() + options.settleMs;
      while (Date.now() < deadline) {
        // A read that meets a writer's lock for too long is only "not yet": the next poll asks again.
        const settled = await store.purchase
          .count({ where: { id: { in: ids }, status: { in: [...finalPurchaseStatuses] } } })
          .catch(() => -1);
        if (settled === ids.length) break;
        await sleep(1000);
      }
      await stopWatching();
      const invariants = await readRetried(() => checkInvariants({
        plan,
        buyerIds,
        initialStock: new Map(skus.map((sku) => [sku, stockPerSku])),
        lowestSeen,
        store,
        supplier,
        carrier,
        temporal: temporalClient!,
      }));
      return { options, faults: injector.injected, invariants, plan, elapsedMs: Date.now() - started };
    } finally {
      await Promise.all([store.$disconnect(), supplier.$disconnect(), carrier.$disconnect()]);
    }
  } finally {
    await connection?.close().catch(() => undefined);
    await gateways?.close();
    await system.stop();
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  }
}
