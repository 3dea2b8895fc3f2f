/**
 * Start in any order: a process whose database or Temporal server is not there yet does not exit. It serves /health,
 * answers /ready 503 naming what it waits for, and becomes ready once the dependency answers, the same process; the
 * same when the dependency goes away later. A Redis that stops answering never hangs a rate-limited request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTcpProxy, throughProxy } from '../../chaos/tcp-proxy';
import { projectRoot } from '../../config';
import { freePort } from '../../net/ports';
import { createEmptyDatabase } from '../support/engines';
import { startGatewayProcess } from '../support/gateway-process';
import { eventually, get, type Answer } from '../support/http-probe';
import { startNpmStart } from '../support/npm-start';
import { createTemporalTestEnvironment } from '../support/temporal-env';

const serviceToken = 'start-in-any-order-service-token';

/** A worker as a real process (`workers/<name>.ts`), on a free port, in a data folder of its own. */
async function startWorkerProcess(name: 'supplier' | 'carrier', env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-process-`));
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, `workers/${name}.ts`)], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      [name === 'supplier' ? 'SUPPLIER_PORT' : 'CARRIER_PORT']: String(port),
      SERVICE_TOKEN: serviceToken,
      CONSUL_HTTP_ADDR: '',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk) => output.push(...String(chunk).split('\n').filter(Boolean)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  await eventually(`the ${name} answering /health`, () => {
    if (!running()) throw new Error(`the ${name} exited (${child.exitCode})`);
    return get(`${url}/health`);
  }, (answer) => answer.status === 200 || !running(), () => output);
  return {
    url,
    output,
    pid: child.pid!,
    running,
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The pids of the process's JSON log lines: one process wrote them all. */
const pidsIn = (output: string[]) =>
  new Set(
    output.flatMap((line) => {
      try {
        return [JSON.parse(line).pid];
      } catch {
        return [];
      }
    }),
  );

/** A 503 /ready naming `dependency`, after the process met it away (not only before its first attempt). */
const waitingOn = (dependency: string) => (answer: Answer) =>
  answer.status === 503 &&
  Array.isArray(answer.body?.waitingFor) &&
  answer.body.waitingFor.includes(dependency) &&
  !/no answer yet/.test(answer.body.error?.message ?? '');

const postgresTarget = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
};

let temporal: TestWorkflowEnvironment;
beforeAll(async () => {
  temporal = await createTemporalTestEnvironment();
}, 120_000);
afterAll(() => temporal?.teardown());

const cleanUps: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp().catch(() => undefined);
});

describe('a database that is not there when the process starts', () => {
  it('leaves the gateway up, not ready naming the database; ready with no restart once it answers, and again after it went away', async () => {
    const database = await createEmptyDatabase('postgresql', 'store');
    cleanUps.push(() => database.drop());
    const proxy = await startTcpProxy(postgresTarget(database.url), { closed: true });
    cleanUps.push(() => proxy.close());

    const gateway = await startGatewayProcess({
      DATABASE_URL: throughProxy(database.url, proxy),
      TEMPORAL_ADDRESS: temporal.address,
    }, { until: 'health' });
    cleanUps.push(() => gateway.stop());
    const output = () => gateway.output;

    expect((await get(`${gateway.url}/health`)).status).toBe(200);
    const waiting = await eventually('/ready naming the database', () => get(`${gateway.url}/ready`), waitingOn('database'), output);
    expect(waiting.body).toMatchObject({
      status: 'waiting',
      waitingFor: ['database'],
      error: { code: 'SERVICE_UNAVAILABLE', details: { database: 'down' } },
    });
    expect((await get(`${gateway.url}/products`)).status).toBe(503);
    expect(gateway.running()).toBe(true);

    await proxy.open();
    const ready = await eventually('/ready 200', () => get(`${gateway.url}/ready`), (answer) => answer.status === 200, output);
    expect(ready.body).toEqual({ status: 'ok' });
    // The database is migrated and seeded by this same process: the catalog is there.
    const products = await get(`${gateway.url}/products`);
    expect(products.status).toBe(200);
    expect(JSON.stringify(products.body)).toContain('sku');
    expect(gateway.running()).toBe(true);
    expect(pidsIn(gateway.output)).toEqual(new Set([gateway.pid]));
    // Waiting was said once, not once per attempt.
    expect(gateway.output.filter((line) => /does not answer/.test(line))).toHaveLength(1);

    await proxy.close();
    const away = await eventually('/ready 503 again', () => get(`${gateway.url}/ready`), (answer) => answer.status === 503, output);
    expect(away.body).toMatchObject({ status: 'waiting', waitingFor: ['database'], error: { details: { database: 'down', temporal: 'up' } } });
    await proxy.open();
    await eventually('/ready 200 again', () => get(`${gateway.url}/ready`), (answer) => answer.status === 200, output);
    expect((await get(`${gateway.url}/products`)).status).toBe(200);
    expect(gateway.running()).toBe(true);
  });

  it('leaves the supplier up, not ready naming the database; migrated, seeded and ready once it answers', async () => {
    const database = await createEmptyDatabase('postgresql', 'supplier');
    cleanUps.push(() => database.drop());
    const proxy = await startTcpProxy(postgresTarget(database.url), { closed: true });
    cleanUps.push(() => proxy.close());

    const supplier = await startWorkerProcess('supplier', {
      SUPPLIER_DATABASE_URL: throughProxy(database.url, proxy),
      TEMPORAL_ADDRESS: temporal.address,
    });
    cleanUps.push(() => supplier.stop());
    const output = () => supplier.output;
    const authorized = { authorization: `Bearer ${serviceToken}` };

    const waiting = await eventually('/ready naming the database', () => get(`${supplier.url}/ready`), waitingOn('database'), output);
    expect(waiting.body).toMatchObject({ status: 'waiting', waitingFor: ['database'] });
    expect((await get(`${supplier.url}/health`)).status).toBe(200);
    expect((await get(`${supplier.url}/inventory`, authorized)).status).toBe(503);

    await proxy.open();
    const ready = await eventually('/ready 200', () => get(`${supplier.url}/ready`), (answer) => answer.status === 200, output);
    expect(ready.body).toEqual({ status: 'ok' });
    const stock = await get(`${supplier.url}/inventory`, authorized);
    expect(stock.status).toBe(200);
    expect(JSON.stringify(stock.body)).toContain('sku');
    expect(supplier.running()).toBe(true);
    expect(pidsIn(supplier.output)).toEqual(new Set([supplier.pid]));
    expect(supplier.output.some((line) => /Worker polling/.test(line))).toBe(true);
  });
});

describe('a Temporal server that is not there when a worker starts', () => {
  it('leaves the carrier up, not ready naming Temporal; polling and ready once it answers, and again after it went away', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(temporal.address.split(':').pop()) }, { closed: true });
    cleanUps.push(() => proxy.close());
    const carrier = await startWorkerProcess('carrier', { TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}` });
    cleanUps.push(() => carrier.stop());
    const output = () => carrier.output;

    const waiting = await eventually('/ready naming Temporal', () => get(`${carrier.url}/ready`), waitingOn('temporal'), output);
    expect(waiting.body).toMatchObject({ status: 'waiting', waitingFor: ['temporal'] });
    expect((await get(`${carrier.url}/health`)).status).toBe(200);
    expect(carrier.output.some((line) => /Worker polling/.test(line))).toBe(false);

    await proxy.open();
    const ready = await eventually('/ready 200', () => get(`${carrier.url}/ready`), (answer) => answer.status === 200, output);
    expect(ready.body).toEqual({ status: 'ok' });
    await eventually('the worker polling', async () => ({ status: 0, body: carrier.output.some((line) => /Worker polling/.test(line)) }), (answer) => answer.body === true, output);
    expect(carrier.running()).toBe(true);
    expect(pidsIn(carrier.output)).toEqual(new Set([carrier.pid]));

    await proxy.close();
    const away = await eventually('/ready 503 again', () => get(`${carrier.url}/ready`), (answer) => answer.status === 503, output);
    expect(away.body).toMatchObject({ status: 'waiting', waitingFor: ['temporal'], error: { details: { database: 'up', temporal: 'down' } } });
    await proxy.open();
    await eventually('/ready 200 again', () => get(`${carrier.url}/ready`), (answer) => answer.status === 200, output);
    expect(carrier.running()).toBe(true);
  });
});

describe('npm start with the store database away', () => {
  it('keeps running, the gateway and the orchestrator waiting for it, and the system ready once it answers', async () => {
    const database = await createEmptyDatabase('postgresql', 'store');
    cleanUps.push(() => database.drop());
    const proxy = await startTcpProxy(postgresTarget(database.url), { closed: true });
    cleanUps.push(() => proxy.close());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-database-away-'));
    cleanUps.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const start = await startNpmStart({
      temporalAddress: temporal.address,
      dataDir,
      env: { HOME: dataDir, DATABASE_URL: throughProxy(database.url, proxy), SERVICE_TOKEN: serviceToken },
    });
    cleanUps.push(() => start.ctrlC());
    const output = () => start.output().split('\n');
    const gateway = `http://127.0.0.1:${start.ports.gateway}`;
    const orchestrator = `http://127.0.0.1:${start.ports.orchestrator}`;

    await eventually('the gateway naming the database', () => get(`${gateway}/ready`), waitingOn('database'), output);
    await eventually('the orchestrator naming the database', () => get(`${orchestrator}/ready`), waitingOn('database'), output);
    expect((await get(`${gateway}/health`)).status).toBe(200);
    expect(start.running()).toBe(true);

    await proxy.open();
    await eventually('the gateway ready', () => get(`${gateway}/ready`), (answer) => answer.status === 200, output);
    await eventually('the orchestrator ready', () => get(`${orchestrator}/ready`), (answer) => answer.status === 200, output);
    expect((await get(`${gateway}/products`)).status).toBe(200);
    expect(start.running()).toBe(true);
  });
});
