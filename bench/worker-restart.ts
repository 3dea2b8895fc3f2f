/**
 * `npm run bench:worker-restart [-- --restarts N]`: how long the orchestrator takes from a restart to polling again.
 * Starts the real system, then stops the orchestrator (SIGTERM, drained) and starts it again N times, timing each
 * start from spawn to its "Worker polling" line; first once with no prebuilt workflow bundle (the worker bundles with
 * webpack, as every start did before), then with the bundle it left behind. Prints wall-clock time and the process's
 * own CPU time (all its threads), which a machine shared with other work inflates less.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startSystem, type RunningSystem } from '../harness/system';
import { workflowsBuildDir } from '../workers/workflow-bundle';
import { cpuSeconds } from './proc';

async function timeStart(system: RunningSystem, attempt: number): Promise<{ wallMs: number; cpuS: number }> {
  await system.stopProcess(`orchestrator-${attempt - 1}`);
  await system.stopProcess('orchestrator');
  const instance = `orchestrator-${attempt}`;
  const seen = system.logs.length;
  const startedAt = performance.now();
  system.startService('orchestrator', { instance, env: { LOG_LEVEL: 'info' } });
  let cpuS = NaN;
  await system.waitUntil(
    `${instance} polling`,
    async () => {
      const polling = system.logs.slice(seen).some((line) => line.startsWith(`[${instance}]`) && line.includes('"Worker polling"'));
      if (polling) cpuS = cpuSeconds(system.pid(instance)) ?? NaN;
      return polling;
    },
    60_000,
  );
  return { wallMs: performance.now() - startedAt, cpuS };
}

async function main() {
  const { values } = parseArgs({ options: { restarts: { type: 'string', default: '5' } } });
  const restarts = Number(values.restarts);
  process.env.TEMPORAL_CLI ??= await ensureTemporalCli();
  const system = await startSystem();
  try {
    fs.rmSync(workflowsBuildDir, { recursive: true, force: true });
    const cold = await timeStart(system, 0);
    const warm: { wallMs: number; cpuS: number }[] = [];
    for (let attempt = 1; attempt <= restarts; attempt += 1) warm.push(await timeStart(system, attempt));
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const median = (figures: number[]) => [...figures].sort((a, b) => a - b)[Math.floor(figures.length / 2)]!;
    console.log(`cores ${os.cpus().length}, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`);
    console.log(`orchestrator start to polling, bundling with webpack: ${seconds(cold.wallMs)} (CPU ${cold.cpuS.toFixed(2)} s)`);
    console.log(
      `orchestrator restart to polling, prebuilt bundle: ${warm.map(({ wallMs }) => seconds(wallMs)).join(', ')} ` +
        `(median ${seconds(median(warm.map(({ wallMs }) => wallMs)))}; CPU median ${median(warm.map(({ cpuS }) => cpuS)).toFixed(2)} s)`,
    );
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
