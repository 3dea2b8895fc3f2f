import path from 'node:path';
import type { Config } from '../config';

/**
 * The system's service processes, in start order: what `npm start` (scripts/start.ts) and the test harness
 * (harness/system.ts) run, each from its entry file, each ready once its readiness path answers 200 on its port.
 */
export const services = [
  // /ready: 200 once the process's database and Temporal answer and its own start-up work is done (migrated, seeded, a
  // worker polling); /health answers from the start, while it still waits for them.
  { name: 'gateway', entry: 'api/main.ts', port: (config: Config) => config.gateway.port, readyPath: '/ready' },
  { name: 'orchestrator', entry: 'workers/orchestrator.ts', port: (config: Config) => config.orchestrator.metricsPort, readyPath: '/ready' },
  { name: 'supplier', entry: 'workers/supplier.ts', port: (config: Config) => config.services.supplier.port, readyPath: '/ready' },
  { name: 'carrier', entry: 'workers/carrier.ts', port: (config: Config) => config.services.carrier.port, readyPath: '/ready' },
] as const;

export type ServiceName = (typeof services)[number]['name'];
export type ServiceProcess = (typeof services)[number];

/** Where `service` says it is ready, under `config`. */
export const readinessUrl = (service: ServiceProcess, config: Config) =>
  `http://127.0.0.1:${service.port(config)}${service.readyPath}`;

/**
 * Node's arguments before a service's entry file. The service runs in this one process (tsx as a loader, not its CLI,
 * which would wrap it in a second one): a signal or a kill -9 reaches the service itself.
 */
export const tsxLoader = ['--import', 'tsx'] as const;

/** Where `npm run build` (scripts/build.ts) compiles an entry file such as `api/main.ts`, from the project root. */
export const compiledEntry = (entry: string) => path.posix.join('dist', entry.replace(/\.ts$/, '.js'));

/**
 * How a service runs: from its TypeScript sources through tsx (`npm start`, the tests), or compiled (`npm start --
 * --production`, the image), plain Node.js on the bundle in dist/ with stack traces mapped back to the sources.
 */
export type RunMode = 'source' | 'compiled';

/**
 * Node's options for a compiled process, here and in the image's ENTRYPOINT (Dockerfile). A young generation of
 * 4 MB semi-spaces instead of V8's 16: each process's working set is small and short-lived (a request, a task), so
 * the larger one only holds garbage longer, 20 to 40 MB of it per process; `npm run bench` measured no more CPU per
 * job with it, `npm run bench:memory` the memory it saves (docs/performance.md, "Memory").
 */
export const compiledNodeOptions = ['--enable-source-maps', '--max-semi-space-size=4'] as const;

/**
 * The environment a compiled process starts with, here and in the image (Dockerfile's ENV): defaults that the
 * operator's own settings override. glibc gives threads that allocate arenas of their own, up to 8 per core, and
 * each holds on to what it freed; the Temporal SDK's native threads, libuv's pool and the database drivers all
 * allocate. Two arenas hold the same work in less memory (docs/performance.md, "Memory").
 */
export const compiledEnvironment = { MALLOC_ARENA_MAX: '2' } as const;

/** The environment a service runs with in `mode`: `env`, over the compiled defaults when it runs compiled. */
export function entryEnvironment(mode: RunMode, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return mode === 'compiled' ? { ...compiledEnvironment, ...env } : env;
}

/** Node's arguments that run `entry` (a source path such as `api/main.ts`) of the project at `root`. */
export function entryArguments(root: string, entry: string, mode: RunMode): string[] {
  return mode === 'compiled' ? [...compiledNodeOptions, path.join(root, compiledEntry(entry))] : [...tsxLoader, path.join(root, entry)];
}
