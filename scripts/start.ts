/**
 * `npm start`: the whole system in the foreground. Temporal first, then the gateway and the three workers, each a
 * process of its own (as in production). Ctrl-C stops the services first, so workers hand back their tasks while
 * Temporal still runs, and Temporal last.
 *
 * `npm start -- --production`: the services run as the image runs them, compiled (dist/, built first when missing or
 * older than the sources) on plain Node.js; without it they run from the sources through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { Connection } from '@temporalio/client';
import { payloadKeysFor } from '../codec/local-keys';
import { loadConfig, projectRoot } from '../config';
import { connectionOptions, hostAndPort, tlsEnabled, type TemporalConnectionSettings } from '../config/temporal';
import { explainTemporalFailure } from '../config/temporal-diagnosis';
import { entryArguments, entryEnvironment, readinessUrl, services, type RunMode } from '../launch/services';
import { devServerOptions, devServerUiOrigin, portAnswers, startTemporalDevServer, waitForPort } from '../launch/temporal-dev-server';
import { createStartOutput } from './start-output';
import { startBackends, withOptions } from './start-with';
import { ensureTemporalCli } from './temporal-cli';

const stopGraceMs = 20_000;

interface Running {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

const output = createStartOutput({ services: services.map((service) => service.name) });

function track(name: string, child: ChildProcess): Running {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) readline.createInterface({ input: stream }).on('line', (line) => output.line(name, line));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, child, exited };
}

/** Waits until `url` answers 200 (a service's /health, the gateway's /ready); false if the system stops first. */
async function answers(url: string, stopping: () => boolean): Promise<boolean> {
  while (!stopping()) {
    const status = await fetch(url, { signal: AbortSignal.timeout(3_000) }).then((response) => response.status, () => 0);
    if (status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

async function stopAll(running: Running[]) {
  // Reverse start order: services first, Temporal last.
  for (const process of [...running].reverse()) {
    if (process.child.exitCode !== null || process.child.signalCode !== null) continue;
    process.child.kill('SIGTERM');
    const forced = setTimeout(() => process.child.kill('SIGKILL'), stopGraceMs);
    await process.exited;
    clearTimeout(forced);
  }
}

/** Says what the services are waiting for until the named Temporal server answers, each new reason once. */
async function reportTemporal(settings: TemporalConnectionSettings, stopping: () => boolean) {
  let last: string | undefined;
  while (!stopping()) {
    try {
      const connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: '5s' });
      try {
        await connection.workflowService.describeNamespace({ namespace: settings.namespace });
      } finally {
        await connection.close();
      }
      console.log(`[start] Temporal at ${settings.address} answers`);
      return;
    } catch (error) {
      const problem = await explainTemporalFailure(settings, error);
      if (problem.message !== last) console.log(`[start] waiting for Temporal: ${problem.message}`);
      last = problem.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}

/** With `--production`, compiles the services into dist/ unless the last build is newer than every source. */
async function prepareRunMode(argv: string[]): Promise<RunMode> {
  if (!argv.includes('--production')) return 'source';
  // Imported here: esbuild is a development tool, loaded only when there is something to compile.
  const { buildAll, buildIsCurrent } = await import('./build');
  if (buildIsCurrent()) {
    console.log('[start] --production: running the compiled services in dist/');
  } else {
    console.log('[start] --production: compiling the services into dist/ (npm run build)');
    await buildAll();
  }
  return 'compiled';
}

async function main() {
  const config = loadConfig();
  const mode = await prepareRunMode(process.argv.slice(2));
  const running: Running[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('[start] stopping all processes…');
    await stopAll(running);
    console.log('[start] all processes stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  // Without PAYLOAD_KEYS every process reads the local key in the data folder: made here on the first start.
  const payloadKeys = payloadKeysFor(config);
  if (payloadKeys.created) {
    console.log(`[start] PAYLOAD_KEYS is not set: generated a local payload key in ${payloadKeys.from}; keep it, the histories written with it need it`);
  } else if (!config.payloadKeys) {
    console.log(`[start] payloads encrypted with the local key in ${payloadKeys.from} (PAYLOAD_KEYS is not set)`);
  }
  // The dev server's Web UI decodes payloads through the gateway's codec server, which answers that origin only.
  const serviceEnv: NodeJS.ProcessEnv = config.temporal.explicit
    ? process.env
    : { ...process.env, CODEC_CORS_ORIGIN: process.env.CODEC_CORS_ORIGIN || devServerUiOrigin(config) };

  if (config.temporal.explicit) {
    // A named server (TEMPORAL_ADDRESS or a profile) is never replaced by a dev server of our own.
    const { address, namespace } = config.temporal;
    console.log(`[start] using the Temporal server at ${address}, namespace ${namespace}${tlsEnabled(config.temporal) ? ', TLS' : ''}`);
    void reportTemporal(config.temporal, () => stopping);
  } else {
    const { host, port } = hostAndPort(config.temporal.address);
    if (await portAnswers(host, port)) {
      console.log(`[start] a Temporal server already answers on ${config.temporal.address}; using it`);
    } else {
      const cli = await ensureTemporalCli();
      const options = devServerOptions(config);
      const temporal = startTemporalDevServer(cli, { ...options, logLevel: 'error', pipeOutput: true });
      running.push(track('temporal', temporal));
      temporal.once('exit', (code) => {
        if (!stopping) {
          output.replay('temporal');
          console.error(`[start] the Temporal dev server exited (${code}); stopping`);
          void shutdown(1);
        }
      });
      await waitForPort(host, port);
      console.log(`[start] Temporal ready on ${config.temporal.address}`);
    }
  }
  const urls = [`API docs http://127.0.0.1:${config.gateway.port}/docs`];
  if (!config.temporal.explicit) urls.push(`Temporal Web UI http://127.0.0.1:${config.temporal.uiPort}`);

  // `--with consul,observability`: the back-ends start before the services; each contributes the URLs to print.
  urls.push(...(await startBackends(withOptions(process.argv.slice(2)), (name, child) => running.push(track(name, child)))));

  for (const service of services) {
    // Own process group: Ctrl-C reaches only this supervisor, which then stops each child in order.
    const child = spawn(process.execPath, entryArguments(projectRoot, service.entry, mode), {
      cwd: projectRoot,
      env: entryEnvironment(mode, serviceEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.push(track(service.name, child));
    child.once('exit', (code, signal) => {
      if (!stopping) {
        // What it said before it stopped explains why.
        output.replay(service.name);
        console.error(`[start] ${service.name} exited (${signal ?? code}); stopping everything`);
        void shutdown(1);
      }
    });
  }
  const ready = await Promise.all(
    services.map(async (service) => {
      const url = readinessUrl(service, config);
      if (!(await answers(url, () => stopping))) return false;
      console.log(`[start] ${service.name} ready (${new URL(url).host})`);
      return true;
    }),
  );
  if (!ready.every(Boolean)) return;
  output.systemReady();
  console.log(['[start] everything is ready:', ...urls.map((line) => `  ${line}`), 'Ctrl-C stops everything'].join('\n'));
}

main().catch((error) => {
  console.error(`[start] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
