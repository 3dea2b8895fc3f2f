/**
 * `npm run bench:profile [-- --purchases N] [--concurrency C] [--top K]`: where each process's CPU goes. Starts the
 * services and the bare chain's workers (bench/bare-chain) under V8's CPU profiler (`node --cpu-prof`), runs N
 * purchases through the gateway and then N bare chains, C at a time (no cancellation window, logs at WARN), stops every
 * process so it writes its profiles, and prints per job for each process: its CPU time (all threads, from /proc),
 * the time its JavaScript threads were busy (V8 samples wall-clock time, so a descheduled thread counts too), and
 * that time by owner (a package, a project folder, garbage collection) and by function. Only samples taken while the side's own jobs ran count (profiles and this process share the system's
 * monotonic clock). The profiler itself costs a few per cent; compare shares, not absolute figures, with `npm run bench`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { projectRoot } from '../config';
import { startSystem } from '../harness/system';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startBareWorkers, stopBareWorkers } from './bare-chain/start';
import { addProfile, emptyBreakdown, largest, partOf, profileFileOwner, readProfile, type Breakdown } from './cpu-profile';
import { inParallel, placeOrder, runBareChain, waitForPurchase } from './jobs';
import { cpuMeter } from './proc';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface Window {
  fromUs: number;
  toUs: number;
  /** CPU milliseconds each process used in the window, all threads, from /proc. */
  cpuMs: Record<string, number>;
}

async function measured(pids: Record<string, number | undefined>, work: () => Promise<void>): Promise<Window> {
  const cpuUsed = cpuMeter(pids);
  const fromUs = nowUs();
  await work();
  const toUs = nowUs();
  return { fromUs, toUs, cpuMs: cpuUsed() };
}

/** One process's profiles: all its threads together, and each thread's busy time. */
interface ProcessProfile {
  all: Breakdown;
  threadUs: Map<number, number>;
}

function report(name: string, jobs: number, window: Window, { all, threadUs }: ProcessProfile, top: number) {
  const perJob = (us: number) => `${(us / 1000 / jobs).toFixed(1).padStart(6)} ms`;
  const share = (us: number) => `${((us / all.totalUs) * 100).toFixed(0).padStart(3)} %`;
  const threadLine = [...threadUs]
    .filter(([, us]) => us > 0)
    .sort(([a], [b]) => a - b)
    .map(([thread, us]) => `${thread === 0 ? 'main' : `thread ${thread}`} ${(us / 1000 / jobs).toFixed(1)}`)
    .join(', ');
  console.log(`\n${name}: CPU ${((window.cpuMs[name] ?? NaN) / jobs).toFixed(1)} ms per job (all threads); JavaScript threads busy ${perJob(all.totalUs).trim()} (${threadLine})`);
  const parts = new Map<string, number>();
  for (const [owner, us] of all.byOwner) parts.set(partOf(owner), (parts.get(partOf(owner)) ?? 0) + us);
  console.log(`  ${largest(parts, parts.size).map(([part, us]) => `${part} ${share(us).trim()}`).join(', ')}`);
  console.log('  by owner');
  for (const [owner, us] of largest(all.byOwner, top)) console.log(`    ${perJob(us)}  ${share(us)}  ${owner}`);
  console.log('  by function (self time)');
  for (const [fn, us] of largest(all.byFunction, top)) console.log(`    ${perJob(us)}  ${share(us)}  ${fn}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      purchases: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '20' },
      top: { type: 'string', default: '10' },
    },
  });
  const [jobs, concurrency, top] = [Number(values.purchases), Number(values.concurrency), Number(values.top)];
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  const profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-profile-'));
  const nodeOptions = ['--cpu-prof', `--cpu-prof-dir=${profiles}`];
  console.log(`profiles in ${profiles}`);
  const system = await startSystem({ nodeOptions, env: { PURCHASE_CANCEL_WINDOW: '0s', LOG_LEVEL: 'warn' } });
  const bare = await startBareWorkers(system.temporalAddress, nodeOptions);
  const connection = await Connection.connect({ address: system.temporalAddress });
  // The bare chain's workers have no payload codec: its payloads are plain.
  const client = new Client({ connection });
  const services = ['gateway', 'orchestrator', 'supplier', 'carrier'];
  const names = new Map<number, string>();
  for (const name of services) names.set(system.pid(name)!, name);
  for (const [role, child] of Object.entries(bare)) names.set(child.pid!, `bare-${role}`);
  const pidsOf = (side: 'purchase' | 'bare') =>
    Object.fromEntries([...names].filter(([, name]) => name.startsWith('bare-') === (side === 'bare')).map(([pid, name]) => [name, pid]));

  let purchaseWindow: Window;
  let bareWindow: Window;
  try {
    const warmUp = 10;
    await system.stockedProduct('PROFILE-1', jobs + warmUp, 100);
    const { token } = await system.newUser('profile');
    const buyer = system.client(token);
    const purchase = async () => {
      const { purchase: placed } = await placeOrder(buyer, 'PROFILE-1');
      const done = await waitForPurchase(system, token, placed.id);
      if (done.status !== 'COMPLETED') throw new Error(`purchase ${placed.id} ended ${done.status}`);
    };
    // Code paths compiled and caches filled before the profile's window opens.
    await inParallel(warmUp, Math.min(concurrency, warmUp), purchase);
    await inParallel(warmUp, Math.min(concurrency, warmUp), () => runBareChain(client));
    purchaseWindow = await measured(pidsOf('purchase'), () => inParallel(jobs, concurrency, purchase));
    bareWindow = await measured(pidsOf('bare'), () => inParallel(jobs, concurrency, () => runBareChain(client)));
  } catch (error) {
    // Said before the clean-up, whose own errors (a closed channel under a pending call) would hide it.
    console.error(error);
    process.exitCode = 1;
    return;
  } finally {
    await connection.close();
    // A process writes its profiles as it exits.
    await stopBareWorkers(bare);
    await system.stop();
  }

  const byProcess = new Map<string, ProcessProfile>();
  for (const file of fs.readdirSync(profiles)) {
    const owner = profileFileOwner(file);
    const name = owner && names.get(owner.pid);
    if (!owner || !name) continue;
    const window = name.startsWith('bare-') ? bareWindow : purchaseWindow;
    const found = byProcess.get(name) ?? { all: emptyBreakdown(), threadUs: new Map<number, number>() };
    const before = found.all.totalUs;
    addProfile(found.all, readProfile(path.join(profiles, file)), window.fromUs, window.toUs, projectRoot);
    found.threadUs.set(owner.thread, found.all.totalUs - before);
    byProcess.set(name, found);
  }
  console.log(`\n${jobs} purchases, then ${jobs} bare chains, ${concurrency} at a time; ${os.cpus().length} cores; per job:`);
  for (const name of names.values()) {
    const found = byProcess.get(name);
    if (!found) console.log(`\n${name}: no profile was written`);
    else report(name, jobs, name.startsWith('bare-') ? bareWindow : purchaseWindow, found, top);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
