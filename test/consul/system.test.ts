import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection, WorkflowClient } from '@temporalio/client';
import pg from 'pg';
import { projectRoot } from '../../config';
import { putSetting, startConsulAgent, type ConsulAgent } from '../support/consul-agent';
import { createEmptyDatabase } from '../support/engines';
import { sumOf } from '../../harness/prometheus-text';
import { freePort, startSystem, type RunningSystem } from '../../harness/system';
import { EncryptionCodec } from '../../codec/encryption-codec';

/**
 * The whole system on a real Consul agent: every process registers, the gateway spreads over two supplier and two
 * carrier processes, settings change in KV while it runs, and the agent goes away and comes back. One system for the
 * whole file (each test builds on the state the one before left), so the suite stays short.
 */
const run = promisify(execFile);
const adminPassword = 'admin-password-1';
const databasePassword = `pg-secret-${Date.now()}`;
const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

interface CatalogEntry {
  ServiceID: string;
  ServicePort: number;
}
interface HealthCheck {
  ServiceID: string;
  Status: 'passing' | 'warning' | 'critical';
}

describe('the system on a real Consul agent', () => {
  let consul: ConsulAgent;
  let system: RunningSystem;
  let dropDatabase: () => Promise<void>;
  let supplierDatabaseUrl: string;
  let admin: string;
  const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consul-secrets-'));
  /** Every answer body the test saw, for the secrets check at the end. */
  const bodies: string[] = [];

  const kvOf = (name: string, value: string) => putSetting(consul, name, value);
  const catalog = async (service: string) =>
    (await (await fetch(`http://${consul.address}/v1/catalog/service/${service}`)).json()) as CatalogEntry[];
  const checks = async (service: string) =>
    (await (await fetch(`http://${consul.address}/v1/health/checks/${service}`)).json()) as HealthCheck[];
  const passing = async (service: string) =>
    (await checks(service)).filter((check) => check.Status === 'passing').map((check) => check.ServiceID).sort();
  const instanceUrls = async (service: string) =>
    (await catalog(service)).map((entry) => `http://127.0.0.1:${entry.ServicePort}`);
  const answer = async (method: string, route: string, init: Parameters<RunningSystem['api']>[2] = {}) => {
    const result = await system.api(method, route, init);
    bodies.push(JSON.stringify(result.body ?? ''));
    return result;
  };
  const rateLimitHeader = async () => (await answer('GET', '/products')).headers.get('ratelimit-limit');
  const buy = async (token: string, sku = 'SKU-1') => {
    const created = await answer('POST', '/purchases', { token, body: { items: [{ sku, quantity: 1 }], address: lisbon } });
    expect(created.status).toBe(202);
    return created.body.purchase as { id: string; workflowId: string };
  };

  beforeAll(async () => {
    consul = await startConsulAgent();
    // KV set before anything starts: read at start, over the built-in defaults.
    await kvOf('RATE_LIMIT_PER_MINUTE', '100000');
    await kvOf('PURCHASE_CANCEL_WINDOW', '3s');
    // At info, so the secrets check at the end reads every line a process writes about its start and its work.
    await kvOf('LOG_LEVEL', 'info');
    const database = await createEmptyDatabase('postgresql', 'supplier');
    dropDatabase = database.drop;
    supplierDatabaseUrl = database.url;
    // The local server trusts every login, so a password in the URL is accepted and must never be shown anywhere.
    const url = new URL(database.url);
    url.password = databasePassword;
    fs.writeFileSync(path.join(secretsDir, 'supplier-database-url'), `${url}\n`);
    fs.writeFileSync(path.join(secretsDir, 'admin-password'), `${adminPassword}\n`);
    system = await startSystem({
      env: {
        CONSUL_HTTP_ADDR: consul.address,
        // Blank: the harness's own values give way to KV, so KV is what the processes follow.
        RATE_LIMIT_PER_MINUTE: '',
        PURCHASE_CANCEL_WINDOW: '',
        LOG_LEVEL: '',
        ADMIN_PASSWORD: '',
        ADMIN_PASSWORD_FILE: path.join(secretsDir, 'admin-password'),
        SUPPLIER_DATABASE_URL_FILE: path.join(secretsDir, 'supplier-database-url'),
      },
    });
    // Second instances on ports of their own; the gateway finds them in Consul.
    system.startService('supplier', { instance: 'supplier#2', env: { SUPPLIER_PORT: '0' } });
    system.startService('carrier', { instance: 'carrier#2', env: { CARRIER_PORT: '0' } });
    admin = await system.adminToken();
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await consul?.stop();
    consul?.remove();
    await dropDatabase?.();
    fs.rmSync(secretsDir, { recursive: true, force: true });
  });

  it('registers every process with a passing check: gateway, orchestrator, two suppliers and two carriers', async () => {
    await system.waitUntil('two suppliers and two carriers passing', async () =>
      (await passing('supplier')).length === 2 && (await passing('carrier')).length === 2);
    await system.waitUntil('the gateway and the orchestrator passing', async () =>
      (await passing('gateway')).length === 1 && (await passing('orchestrator')).length === 1);
    const orchestrator = await catalog('orchestrator');
    expect(orchestrator.map((entry) => `http://127.0.0.1:${entry.ServicePort}`)).toEqual([system.urls.orchestrator]);
  });

  it('registers each instance under its host name and port, at an address others reach, never 0.0.0.0', async () => {
    for (const service of ['gateway', 'orchestrator', 'supplier', 'carrier']) {
      const entries = (await catalog(service)) as (CatalogEntry & { ServiceAddress: string })[];
      for (const entry of entries) {
        expect(entry.ServiceID).toBe(`${service}-${os.hostname()}-${entry.ServicePort}`);
        expect(entry.ServiceAddress).not.toMatch(/^(0\.0\.0\.0|::)?$/);
      }
      expect(new Set(entries.map((entry) => entry.ServiceID)).size).toBe(entries.length);
    }
    // The gateway listens on every interface: it registers an interface's address, which the agent's check reaches.
    const [gateway] = (await catalog('gateway')) as (CatalogEntry & { ServiceAddress: string })[];
    const external = Object.values(os.networkInterfaces()).flatMap((entries) => entries ?? []).find((entry) => entry.family === 'IPv4' && !entry.internal);
    expect(gateway!.ServiceAddress).toBe(external?.address ?? '127.0.0.1');
  });

  it('has the owners answer only callers with the service token, /health and /metrics excepted', async () => {
    const paths = { supplier: '/inventory', carrier: '/schedule' };
    for (const [service, route] of Object.entries(paths)) {
      for (const url of await instanceUrls(service)) {
        for (const headers of [{}, { authorization: 'Bearer not-the-service-token' }] as Record<string, string>[]) {
          const refused = await fetch(`${url}${route}`, { headers });
          expect({ url, status: refused.status }).toEqual({ url, status: 401 });
          expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
        }
        expect((await fetch(`${url}${route}`, { headers: system.serviceHeaders })).status).toBe(200);
        expect((await fetch(`${url}/health`)).status).toBe(200);
        expect((await fetch(`${url}/metrics`)).status).toBe(200);
      }
    }
    // Every process shares the data folder's token; nothing fixed: it is the one made for this run.
    expect(system.serviceHeaders.authorization).toBe(`Bearer ${fs.readFileSync(path.join(system.dataDir, 'service-token'), 'utf8').trim()}`);
  });

  it('spreads 100 proxied reads over both healthy instances of each service, counted at each instance', async () => {
    const buyer = await system.newUser();
    const purchase = await buy(buyer.token);
    const done = await system.waitForPurchase(buyer.token, purchase.id, ['COMPLETED']);
    const deliveryId = done.delivery!.id;

    const count = async (service: string, route: string) =>
      Promise.all(
        (await instanceUrls(service)).map(async (url) =>
          sumOf(await (await fetch(`${url}/metrics`)).text(), 'http_server_requests_total', { method: 'GET', route, status: '200' }),
        ),
      );
    const suppliersBefore = await count('supplier', '/inventory/:sku');
    const carriersBefore = await count('carrier', '/deliveries/:id');
    for (let i = 0; i < 100; i++) {
      expect((await answer('GET', '/inventory/SKU-1', { token: admin })).status).toBe(200);
      expect((await answer('GET', `/deliveries/${deliveryId}`, { token: admin })).status).toBe(200);
    }
    const suppliers = (await count('supplier', '/inventory/:sku')).map((after, i) => after - suppliersBefore[i]);
    const carriers = (await count('carrier', '/deliveries/:id')).map((after, i) => after - carriersBefore[i]);
    expect(suppliers.reduce((a, b) => a + b)).toBe(100);
    expect(carriers.reduce((a, b) => a + b)).toBe(100);
    for (const hits of [...suppliers, ...carriers]) expect(hits).toBeGreaterThan(0);
  });

  it('follows RATE_LIMIT_PER_MINUTE from KV without a restart, and refuses an invalid value keeping the last good one', async () => {
    // Read from KV at start: the built-in default would be 100.
    expect(await rateLimitHeader()).toBe('100000');
    await kvOf('RATE_LIMIT_PER_MINUTE', '3');
    await system.waitUntil('the gateway limiting to 3 a minute', async () => (await rateLimitHeader()) === '3', 10_000);
    // This client made more than 3 requests in this minute already.
    const refused = await answer('GET', '/products');
    expect(refused.status).toBe(429);
    await kvOf('RATE_LIMIT_PER_MINUTE', '90000');
    await system.waitUntil('the gateway limiting to 90000 again', async () => (await rateLimitHeader()) === '90000', 10_000);
    expect((await answer('GET', '/products')).status).toBe(200);

    await kvOf('RATE_LIMIT_PER_MINUTE', 'lots');
    await system.waitUntil('the refusal logged with its key', async () =>
      system.logs.some((line) => line.startsWith('[gateway]') && line.includes('Refused the value of purchase-saga/dev/RATE_LIMIT_PER_MINUTE')),
    10_000);
    expect(await rateLimitHeader()).toBe('90000');
  });

  it('puts a new PURCHASE_CANCEL_WINDOW into purchases started after the change, and only those', async () => {
    const buyer = await system.newUser();
    await kvOf('PURCHASE_CANCEL_WINDOW', '1h');
    await system.waitUntil('a purchase started with the 1h window', async () => {
      const input = await workflowInput((await buy(buyer.token)).workflowId);
      return input.settings.cancelWindow === '1h';
    }, 15_000);
    const holding = await buy(buyer.token);
    expect((await workflowInput(holding.workflowId)).settings.cancelWindow).toBe('1h');
    await system.waitForPurchase(buyer.token, holding.id, ['RESERVE_DELIVERED']);

    await kvOf('PURCHASE_CANCEL_WINDOW', '1s');
    let quick: { id: string; workflowId: string };
    await system.waitUntil('a purchase started with the 1s window', async () => {
      quick = await buy(buyer.token);
      return (await workflowInput(quick.workflowId)).settings.cancelWindow === '1s';
    }, 15_000);
    await system.waitForPurchase(buyer.token, quick!.id, ['COMPLETED']);
    // Started before the change: still holding for its hour.
    const before = await answer('GET', `/purchases/${holding.id}`, { token: buyer.token });
    expect(before.body.purchase.status).toBe('RESERVE_DELIVERED');
    expect((await answer('POST', `/purchases/${holding.id}/cancel`, { token: buyer.token, body: {} })).status).toBe(202);
  });

  it('schedules deliveries against a CARRIER_DAILY_CAPACITY changed in KV, on every carrier instance', async () => {
    const buyer = await system.newUser();
    // A booked delivery, so that each carrier's schedule has a day to show its capacity on.
    await system.waitForPurchase(buyer.token, (await buy(buyer.token)).id, ['RESERVE_DELIVERED', 'COMPLETED']);
    await kvOf('CARRIER_DAILY_CAPACITY', '1');
    await system.waitUntil('both carriers at capacity 1', async () => {
      const schedules = await Promise.all(
        (await instanceUrls('carrier')).map(
          async (url) => (await (await fetch(`${url}/schedule`, { headers: system.serviceHeaders })).json()) as { items: { capacity: number }[] },
        ),
      );
      return (
        schedules.length === 2 &&
        schedules.every((schedule) => schedule.items.length > 0 && schedule.items.every((day) => day.capacity === 1))
      );
    }, 10_000);
    const first = await buy(buyer.token);
    const second = await buy(buyer.token);
    const [a, b] = await Promise.all([
      system.waitForPurchase(buyer.token, first.id, ['COMPLETED']),
      system.waitForPurchase(buyer.token, second.id, ['COMPLETED']),
    ]);
    // One delivery a day: the two can never share a date (under the default of 50 they would).
    expect(a.delivery!.estimatedDate).not.toBe(b.delivery!.estimatedDate);
    await kvOf('CARRIER_DAILY_CAPACITY', '50');
  });

  it('changes every process’s log level when LOG_LEVEL changes in KV', async () => {
    const processes = ['gateway', 'orchestrator', 'supplier', 'supplier#2', 'carrier', 'carrier#2'];
    const everyProcessLogged = (from: number, text: string) => () =>
      Promise.resolve(processes.every((name) => system.logs.slice(from).some((line) => line.startsWith(`[${name}]`) && line.includes(text))));
    let mark = system.logs.length;
    await kvOf('LOG_LEVEL', 'warn');
    // KV changes arrive in order: once the warning about SESSION_TTL is logged, the level before it is in force.
    await kvOf('SESSION_TTL', '29d');
    await system.waitUntil('every process at warn', everyProcessLogged(mark, 'SESSION_TTL applies at the next start'), 10_000);
    expect((await answer('GET', '/products', { headers: { 'x-request-id': 'at-level-warn' } })).status).toBe(200);

    mark = system.logs.length;
    await kvOf('LOG_LEVEL', 'info');
    await system.waitUntil('every process at info', everyProcessLogged(mark, 'Live configuration changed'), 10_000);
    await answer('GET', '/products', { headers: { 'x-request-id': 'at-level-info' } });
    await system.waitUntil('the request line at info', async () => system.logs.some((line) => line.includes('"at-level-info"')), 10_000);
    expect(system.logs.some((line) => line.includes('"at-level-warn"'))).toBe(false);
  });

  it('lets the process environment win over KV', async () => {
    const port = await freePort();
    system.startService('gateway', { instance: 'gateway#2', env: { PORT: String(port), RATE_LIMIT_PER_MINUTE: '777' } });
    const limitAt = async () => (await fetch(`http://127.0.0.1:${port}/products`)).headers.get('ratelimit-limit');
    await system.waitUntil('the second gateway answering', async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok);
    expect(await limitAt()).toBe('777');
    await kvOf('RATE_LIMIT_PER_MINUTE', '80000');
    await system.waitUntil('the first gateway following KV', async () => (await rateLimitHeader()) === '80000', 10_000);
    expect(await limitAt()).toBe('777');
    await system.stopProcess('gateway#2');
  });

  it('stops sending requests to a supplier and a carrier killed with kill -9: all of 100 proxied reads across the kill succeed', async () => {
    const buyer = await system.newUser();
    const done = await system.waitForPurchase(buyer.token, (await buy(buyer.token)).id, ['COMPLETED']);
    const [supplierIds, carrierIds] = [await passing('supplier'), await passing('carrier')];
    const outcomes: number[] = [];
    for (let i = 0; i < 100; i++) {
      if (i === 30) {
        await system.stopProcess('supplier#2', 'SIGKILL');
        await system.stopProcess('carrier#2', 'SIGKILL');
      }
      outcomes.push((await answer('GET', '/inventory/SKU-1', { token: admin })).status);
      outcomes.push((await answer('GET', `/deliveries/${done.delivery!.id}`, { token: admin })).status);
    }
    expect(outcomes.filter((status) => status !== 200)).toEqual([]);
    // Its HTTP check (every 5 s) turns critical; it stays in the catalog until Consul reaps it.
    await system.waitUntil('the killed instances critical', async () => {
      const all = [...(await checks('supplier')), ...(await checks('carrier'))];
      return all.filter((check) => check.Status === 'critical').length === 2;
    }, 30_000);
    expect((await passing('supplier')).length).toBe(1);
    expect((await passing('carrier')).length).toBe(1);
    expect(supplierIds.length + carrierIds.length).toBe(4);

    // Stopped cleanly: out of the catalog as soon as the process has exited, with no check interval to wait for.
    system.startService('supplier', { instance: 'supplier#3', env: { SUPPLIER_PORT: '0' } });
    await system.waitUntil('a third supplier passing', async () => (await passing('supplier')).length === 2);
    const third = (await passing('supplier')).find((id) => !supplierIds.includes(id))!;
    await system.stopProcess('supplier#3');
    expect((await catalog('supplier')).map((entry) => entry.ServiceID)).not.toContain(third);
  });

  it('keeps serving with the last known instances and settings while the agent is away, and registers again when it returns', async () => {
    const buyer = await system.newUser();
    await consul.kill();
    // Ready all the same, saying that nobody finds the process in Consul meanwhile.
    const readiness = async (url: string) => {
      const response = await fetch(`${url}/ready`);
      return { status: response.status, body: (await response.json()) as { consul?: string; degraded?: string[] } };
    };
    await system.waitUntil('/ready saying Consul is away', async () =>
      (await readiness(system.urls.gateway)).body.consul === 'away, not discoverable' &&
      (await readiness(system.urls.orchestrator)).body.consul === 'away, not discoverable', 20_000);
    for (const url of [system.urls.gateway, system.urls.orchestrator]) {
      expect(await readiness(url)).toMatchObject({ status: 200, body: { status: 'ok', degraded: expect.arrayContaining(['consul']) } });
    }
    for (let i = 0; i < 20; i++) expect((await answer('GET', '/inventory/SKU-1', { token: admin })).status).toBe(200);
    expect(await rateLimitHeader()).toBe('80000');
    const during = await buy(buyer.token);
    expect((await workflowInput(during.workflowId)).settings.cancelWindow).toBe('1s');
    await system.waitForPurchase(buyer.token, during.id, ['COMPLETED']);

    // A new agent with nothing in it, where the old one was: every live process is in its catalog again.
    const old = consul;
    consul = await startConsulAgent({ httpPort: old.httpPort });
    old.remove();
    await system.waitUntil('every running process registered again', async () =>
      (await passing('gateway')).length === 1 &&
      (await passing('orchestrator')).length === 1 &&
      (await passing('supplier')).length === 1 &&
      (await passing('carrier')).length === 1, 60_000);
    expect(await readiness(system.urls.gateway)).toMatchObject({ status: 200, body: { consul: 'up' } });
    await kvOf('RATE_LIMIT_PER_MINUTE', '70000');
    await system.waitUntil('settings followed from the new agent', async () => (await rateLimitHeader()) === '70000', 15_000);
  }, 180_000);

  it('never shows a secret: not in any log line, answer body, /ready, /metrics or config show', async () => {
    // Error bodies: a failed login for the admin, a bad body, a proxied 404.
    await answer('POST', '/auth/login', { body: { email: system.admin.email, password: 'wrong-password' } });
    await answer('POST', '/purchases', { token: admin, body: { items: 'none' } });
    await answer('GET', '/deliveries/no-such-delivery', { token: admin });
    bodies.push(JSON.stringify((await answer('GET', '/ready')).body));
    for (const service of ['gateway', 'orchestrator', 'supplier', 'carrier']) {
      for (const url of await instanceUrls(service)) bodies.push(await (await fetch(`${url}/metrics`)).text());
    }
    const shown = await run(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/config.ts'), 'show', '--json'], {
      cwd: projectRoot,
      env: { ...system.env, CONSUL_HTTP_ADDR: consul.address },
    });
    const settings = JSON.parse(shown.stdout).settings as { name: string; value?: string; source: string }[];
    const byName = Object.fromEntries(settings.map((setting) => [setting.name, setting]));
    expect(byName.RATE_LIMIT_PER_MINUTE).toMatchObject({ source: 'kv', value: '70000' });
    expect(byName.SUPPLIER_DATABASE_URL).toMatchObject({ source: 'env' });
    expect(byName.ADMIN_EMAIL).toMatchObject({ source: 'env', value: system.admin.email });
    expect(byName.SESSION_TTL).toMatchObject({ source: 'default', value: '30d' });

    const everything = [...system.logs, ...bodies, shown.stdout, shown.stderr].join('\n');
    expect(everything).not.toContain(databasePassword);
    expect(everything).not.toContain(adminPassword);
    // The service token that every owner request carried (proxied reads, the checks above) is never shown either.
    expect(everything).not.toContain(system.serviceHeaders.authorization.slice('Bearer '.length));
    // The secrets were in use: the admin signed in with the password from its file, the suppliers used PostgreSQL.
    expect(admin).toEqual(expect.any(String));
    expect(byName.SUPPLIER_DATABASE_URL.value).toContain('supplier-database-url');
    // The suppliers did write about their database: with its password masked.
    expect(system.logs.some((line) => line.startsWith('[supplier') && line.includes('postgresql://postgres:***@'))).toBe(true);
    const client = new pg.Client({ connectionString: supplierDatabaseUrl });
    await client.connect();
    try {
      const tables = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(tables.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  /** The saga's input as Temporal recorded it at the start (where the cancel window travels). */
  async function workflowInput(workflowId: string): Promise<{ settings: { cancelWindow: string } }> {
    const connection = await Connection.connect({ address: system.temporalAddress });
    try {
      const history = await new WorkflowClient({ connection }).getHandle(workflowId).fetchHistory();
      const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
      // Stored encrypted (codec/): decrypted with the system's keys before it is read.
      const [decoded] = await new EncryptionCodec(system.payloadKeys).decode([payload]);
      return JSON.parse(Buffer.from(decoded!.data!).toString());
    } finally {
      await connection.close();
    }
  }
});
