import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import { projectRoot } from '../../config';
import { endsWithThisProcess } from '../../harness/children';
import { bareQueues } from './workflow';

export type BareWorkers = Record<keyof typeof bareQueues, ChildProcess>;

/** Where the compiled bare worker and the workflow bundle go: inside the project, so its packages resolve. */
const outDir = path.join(projectRoot, 'dist', 'bench');

/**
 * The workflow bundle (the orchestrator runs a prebuilt one too, so neither side runs webpack at start) and, for
 * `compiled`, the worker compiled as `npm run build` compiles the services: one CommonJS file, packages external.
 */
async function prepare(compiled: boolean): Promise<{ entry: string[]; bundle: string }> {
  fs.mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, 'bare-workflow.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflow.ts'), logger: quietBundler });
  fs.writeFileSync(bundle, code);
  if (!compiled) return { entry: ['--import', 'tsx', path.join(__dirname, 'worker.ts')], bundle };
  const outfile = path.join(outDir, 'bare-worker.js');
  await build({
    entryPoints: [path.join(__dirname, 'worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
  return { entry: ['--enable-source-maps', outfile], bundle };
}

const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error: (message: string) => console.error(message), log() {} };

/**
 * The bare chain's three worker processes (bench/bare-chain/worker.ts), once each one polls its task queue; run with
 * `nodeOptions` before the entry, as the services are, and `compiled` as `npm start -- --production` runs them.
 * `env` adds to the environment (TEMPORAL_NAMESPACE, for one).
 */
export async function startBareWorkers(
  temporalAddress: string,
  nodeOptions: string[] = [],
  options: { compiled?: boolean; env?: Record<string, string> } = {},
): Promise<BareWorkers> {
  const { entry, bundle } = await prepare(options.compiled ?? false);
  const workers = Object.fromEntries(
    (Object.keys(bareQueues) as (keyof typeof bareQueues)[]).map((role) => [
      role,
      endsWithThisProcess(
        spawn(process.execPath, [...nodeOptions, ...entry, role, bundle], {
          env: { ...process.env, ...options.env, TEMPORAL_ADDRESS: temporalAddress },
          // The IPC channel answers `memory` (bench/memory.ts).
          stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        }),
      ),
    ]),
  ) as BareWorkers;
  await Promise.all(
    Object.values(workers).map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.stdout!.on('data', (chunk) => String(chunk).includes('polling') && resolve());
          child.once('exit', (code) => reject(new Error(`a bare worker exited (${code}) before it polled`)));
        }),
    ),
  );
  return workers;
}

/** A bare worker's main-thread memory figures (bytes), as process.memoryUsage() gives them. */
export function bareMemory(child: ChildProcess): Promise<Record<'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers' | 'rss', number>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a bare worker did not answer `memory`')), 5_000);
    child.once('message', (figures) => {
      clearTimeout(timer);
      resolve(figures as never);
    });
    child.send('memory');
  });
}

/** Stops the bare chain's workers (each drains and exits on SIGTERM) and waits until every one has exited. */
export async function stopBareWorkers(workers: Record<string, ChildProcess>): Promise<void> {
  await Promise.all(
    Object.values(workers).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }),
  );
}
