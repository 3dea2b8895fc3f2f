import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGatewayClient, type Purchase } from '../client';
import { payloadDataConverter } from '../codec/data-converter';
import { ensureLocalPayloadKeys } from '../codec/local-keys';
import { loadConfig, projectRoot } from '../config';
import { serviceToken } from '../config/service-token';
import { entryArguments, entryEnvironment, readinessUrl, services, tsxLoader, type ServiceName } from '../launch/services';
import { startTemporalDevServer, waitForPort } from '../launch/temporal-dev-server';
import { freePort } from '../net/ports';
import { endsWithThisProcess } from './children';

// Suites and scripts take the free port from here along with the system.
export { freePort };
export type { ServiceName };

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The whole system as `npm start` runs it, each service a real process, on free ports and a throw-away data folder:
 * a real Temporal dev server, the gateway, the orchestrator, the supplier and the carrier.
 */
export async function startSystem(
  systemOptions: {
    env?: Record<string, string>;
    entries?: Partial<Record<ServiceName, string>>;
    /** Run against the Temporal server that `env` names (TEMPORAL_ADDRESS, TLS…) instead of a dev server of its own. */
    externalTemporal?: boolean;
    /** Have the dev server serve its own metrics, at `temporalMetricsUrl`. */
    temporalMetrics?: boolean;
    /** Run the entry points from another copy of the project (a production build) instead of this one. */
    root?: string;
    /** Run the compiled entry points in dist/ (npm run build) with plain Node.js instead of the sources through tsx. */
    compiled?: boolean;
    /** Node.js options for every service process, before the entry (e.g. `--cpu-prof`, which NODE_OPTIONS may not carry). */
    nodeOptions?: string[];
  } = {},
) {
  const options = systemOptions;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purchase-system-'));
  const [temporalPort, uiPort, gatewayPort, supplierPort, carrierPort, orchestratorPort, temporalMetricsPort] = await Promise.all(
    Array.from({ length: 7 }, freePort),
  );
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const admin = { email: 'admin@example.com', password: 'admin-password-1' };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    ...(options.externalTemporal ? {} : { TEMPORAL_ADDRESS: temporalAddress }),
    TEMPORAL_UI_PORT: String(uiPort),
    PORT: String(gatewayPort),
    SUPPLIER_PORT: String(supplierPort),
    CARRIER_PORT: String(carrierPort),
    ORCHESTRATOR_PORT: String(orchestratorPort),
    SUPPLIER_URL: `http://127.0.0.1:${supplierPort}`,
    CARRIER_URL: `http://127.0.0.1:${carrierPort}`,
    CONSUL_HTTP_ADDR: '',
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    PURCHASE_CANCEL_WINDOW: '3s',
    ACTIVITY_RETRY_INITIAL_INTERVAL: '200ms',
    ACTIVITY_RETRY_MAX_INTERVAL: '1s',
    // Load runs (bench, chaos) keep more purchases and waits in flight per user than a person would.
    RATE_LIMIT_PER_MINUTE: '100000',
    MAX_PURCHASES_IN_FLIGHT: '100000',
    MAX_WAITS_PER_USER: '1000',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  // As `npm start` does: without PAYLOAD_KEYS, the local key in the data folder, made before any service reads it.
  const payloadKeys = loadConfig(env).payloadKeys ?? ensureLocalPayloadKeys(dataDir).keys;
  const logs: string[] = [];
  const processes = new Map<string, ChildProcess>();
  const remember = (name: string, child: ChildProcess) => {
    processes.set(name, endsWithThisProcess(child));
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(`[${name}] ${line}`);
      // Enough for a whole suite at level info, so a test can check every line a run wrote.
      if (logs.length > 50_000) logs.splice(0, logs.length - 50_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  };

  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('TEMPORAL_CLI is not set: run the tests through jest (test/global-setup.ts installs it)');
  const startTemporal = async () => {
    const temporal = startTemporalDevServer(cli, {
      address: temporalAddress,
      uiPort,
      namespace: 'default',
      dbFile: path.join(dataDir, 'temporal.db'),
      logLevel: 'error',
      pipeOutput: true,
      ...(options.temporalMetrics ? { metricsPort: temporalMetricsPort } : {}),
    });
    remember('temporal', temporal);
    await waitForPort('127.0.0.1', temporalPort).catch((error) => {
      throw new Error(`${error.message}. Temporal said:\n${logs.filter((line) => line.startsWith('[temporal]')).join('\n')}`);
    });
  };

  /**
   * Starts a service process. `instance` names a further instance (e.g. 'supplier#2'; give it its own port through
   * `env`); `entry` runs another entry file in its place (a test double of a worker); `prefix` is a command that runs
   * node (its path and arguments follow), e.g. one that puts the process in a memory cgroup first and execs it.
   */
  const startService = (
    name: ServiceName,
    options: { instance?: string; env?: Record<string, string>; entry?: string; prefix?: string[] } = {},
  ) => {
    const root = systemOptions.root ?? projectRoot;
    // A test double's entry always runs from its source.
    const mode = options.entry || !systemOptions.compiled ? 'source' : 'compiled';
    const entry = options.entry
      ? [...tsxLoader, path.join(root, options.entry)]
      : entryArguments(root, services.find((service) => service.name === name)!.entry, mode);
    const [command, ...args] = [...(options.prefix ?? []), process.execPath, ...(systemOptions.nodeOptions ?? []), ...entry];
    const child = spawn(command!, args, {
      cwd: root,
      env: entryEnvironment(mode, { ...env, ...options.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    remember(options.instance ?? name, child);
    return child;
  };

  const baseUrl = `http://127.0.0.1:${gatewayPort}`;
  const urls = {
    gateway: baseUrl,
    supplier: env.SUPPLIER_URL!,
    carrier: env.CARRIER_URL!,
    orchestrator: `http://127.0.0.1:${orchestratorPort}`,
  };

  async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${what} did not happen within ${timeoutMs / 1000}s. Last logs:\n${logs.slice(-60).join('\n')}`);
  }
  const answers = (url: string) => async () => (await fetch(url)).status === 200;

  async function stopProcess(name: string, signal: NodeJS.Signals = 'SIGTERM') {
    const child = processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
    );
    child.kill(signal);
    const forced = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const outcome = await exited;
    clearTimeout(forced);
    return outcome;
  }

  async function api<T = any>(
    method: string,
    route: string,
    init: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  }

  /** The gateway's typed client (client/), signed in with `token` when one is given. */
  const client = (token?: string) => createGatewayClient(baseUrl, { token });

  let userCount = 0;
  /** Registers and logs in a fresh user; returns its token. */
  async function newUser(name = 'buyer') {
    userCount += 1;
    const email = `${name}-${userCount}-${Date.now()}@example.com`;
    const password = 'correct-horse-battery';
    const registered = await client().POST('/auth/register', { body: { email, password, name } });
    if (registered.response.status !== 201) throw new Error(`register answered ${registered.response.status}`);
    const login = await client().POST('/auth/login', { body: { email, password } });
    if (!login.data) throw new Error(`login answered ${login.response.status}`);
    return { token: login.data.token, user: login.data.user, email, password };
  }

  async function adminToken() {
    const login = await client().POST('/auth/login', { body: admin });
    if (!login.data) throw new Error(`admin login answered ${login.response.status}`);
    return login.data.token;
  }

  async function waitForPurchase(token: string, id: string, statuses: Purchase['status'][], timeoutMs = 60_000): Promise<Purchase> {
    let last: Purchase | undefined;
    await waitUntil(
      `purchase ${id} reaching ${statuses.join('/')}`,
      async () => {
        last = (await client(token).GET('/purchases/{id}', { params: { path: { id }, query: {} } })).data?.purchase;
        return last !== undefined && statuses.includes(last.status);
      },
      timeoutMs,
    );
    return last!;
  }

  /** Puts a product in the catalog with `stock` units at the supplier, as ADMIN; throws unless it is created. */
  async function stockedProduct(sku: string, stock: number, priceCents = 500) {
    const created = await client(await adminToken()).POST('/products', { body: { sku, name: `Product ${sku}`, priceCents, stock } });
    if (created.response.status !== 201) throw new Error(`POST /products ${sku} answered ${created.response.status}`);
    return created.data!.product;
  }

  /** Orders `items` (one SKU-2 by default) to a fixed address; answers the new purchase's id, or throws unless 202. */
  async function placePurchase(token: string, items: { sku: string; quantity: number }[] = [{ sku: 'SKU-2', quantity: 1 }]) {
    const created = await api('POST', '/purchases', {
      token,
      body: { items, address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' } },
    });
    if (created.status !== 202) throw new Error(`POST /purchases answered ${created.status}: ${JSON.stringify(created.body)}`);
    return created.body.purchase.id as string;
  }

  /** Places a purchase (placePurchase) and answers it once it has ended: COMPLETED, FAILED or CANCELLED. */
  async function purchase(token: string, items?: { sku: string; quantity: number }[]): Promise<Purchase> {
    return waitForPurchase(token, await placePurchase(token, items), ['COMPLETED', 'FAILED', 'CANCELLED'], 90_000);
  }

  async function startAll() {
    if (!options.externalTemporal) await startTemporal();
    for (const { name } of services) startService(name, { entry: options.entries?.[name] });
    // Every one, the orchestrator too: a purchase made now must not wait for it to start polling.
    const config = loadConfig(env);
    for (const service of services) await waitUntil(`the ${service.name} being ready`, answers(readinessUrl(service, config)));
  }

  async function stopAll() {
    for (const name of processes.keys()) if (name !== 'temporal') await stopProcess(name);
    await stopProcess('temporal');
  }

  try {
    await startAll();
  } catch (error) {
    for (const name of processes.keys()) await stopProcess(name, 'SIGKILL');
    throw error;
  }

  const ownerToken = serviceToken(loadConfig(env));
  return {
    dataDir,
    env,
    /** Each service's base URL. */
    urls,
    /** The header the supplier's and carrier's APIs require (all but /health and /metrics), as the gateway sends it. */
    serviceHeaders: { authorization: `Bearer ${ownerToken}` },
    temporalMetricsUrl: `http://127.0.0.1:${temporalMetricsPort}/metrics`,
    temporalAddress: options.externalTemporal ? env.TEMPORAL_ADDRESS! : temporalAddress,
    admin,
    /** The keys the services encrypt payloads with, and a data converter for clients of the test's own. */
    payloadKeys,
    dataConverter: payloadDataConverter(payloadKeys),
    logs,
    api,
    client,
    newUser,
    adminToken,
    stockedProduct,
    waitUntil,
    waitForPurchase,
    placePurchase,
    purchase,
    startTemporal,
    startService,
    stopProcess,
    /** The operating-system id of a running process (for sampling its memory). */
    pid: (name: string) => processes.get(name)?.pid,
    /** Names of the processes running now (instances included). */
    runningProcesses: () =>
      [...processes].filter(([, child]) => child.exitCode === null && child.signalCode === null).map(([name]) => name),
    /** Stops every process, Temporal last, and starts them all again on the same state files. */
    async restart() {
      await stopAll();
      await startAll();
    },
    async stop() {
      await stopAll();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
export type RunningSystem = Awaited<ReturnType<typeof startSystem>>;
