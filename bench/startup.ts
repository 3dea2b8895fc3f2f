/**
 * `npm run bench:startup [-- --rounds N]`: each service process's start, from the sources through tsx (`npm start`)
 * and compiled (`npm run build`, `node` with the image's options on dist/…, as the image runs it). For each process:
 * the time from its spawn to its first /health 200 (its HTTP server up, config and logging loaded), to /ready 200
 * (its database migrated, Temporal connected, a worker polling), and its resident memory once ready and settled. Each
 * process is restarted on its own while the rest of the system runs; the figures are medians over the rounds.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { readinessUrl, services, type RunMode } from '../launch/services';
import { startSystem, type RunningSystem } from '../harness/system';
import { buildAll } from '../scripts/build';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { rssMb } from './proc';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);

async function firstOk(url: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((response) => response.status, () => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} did not answer 200`);
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!;

interface Figures {
  healthMs: number[];
  readyMs: number[];
  rssMb: number[];
}

async function measure(system: RunningSystem): Promise<Record<string, Figures>> {
  const config = loadConfig(system.env);
  const figures: Record<string, Figures> = {};
  for (let round = 0; round < rounds; round += 1) {
    for (const service of services) {
      await system.stopProcess(service.name);
      const started = performance.now();
      const child = system.startService(service.name);
      await firstOk(`http://127.0.0.1:${service.port(config)}/health`);
      const health = performance.now() - started;
      await firstOk(readinessUrl(service, config));
      const ready = performance.now() - started;
      // Settled: the lowest resident memory over two seconds after ready.
      let lowest = Infinity;
      for (let reading = 0; reading < 10; reading += 1) {
        lowest = Math.min(lowest, rssMb(child.pid) ?? Infinity);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const entry = (figures[service.name] ??= { healthMs: [], readyMs: [], rssMb: [] });
      entry.healthMs.push(health);
      entry.readyMs.push(ready);
      entry.rssMb.push(lowest);
    }
  }
  return figures;
}

async function main() {
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  console.log('Compiling the services into dist/ (npm run build)…');
  await buildAll();
  const results = {} as Record<RunMode, Record<string, Figures>>;
  for (const mode of ['source', 'compiled'] as const) {
    const system = await startSystem({ compiled: mode === 'compiled', env: { NODE_ENV: 'production' } });
    try {
      results[mode] = await measure(system);
    } finally {
      await system.stop();
    }
  }
  const label = { source: 'tsx', compiled: 'compiled' };
  console.log(`\nStart-up per process, median of ${rounds} restarts (spawn → /health 200, → /ready 200; RSS once ready)`);
  console.log('process        run       /health ms  /ready ms  RSS MB');
  for (const { name } of services) {
    for (const mode of ['source', 'compiled'] as const) {
      const figures = results[mode][name]!;
      console.log(
        `${name.padEnd(14)} ${label[mode].padEnd(9)} ${median(figures.healthMs).toFixed(0).padStart(10)} ${median(figures.readyMs).toFixed(0).padStart(10)} ${median(figures.rssMb).toFixed(0).padStart(7)}`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
