import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { payloadDataConverter } from '../../codec/data-converter';
import { checkInvariants } from '../../chaos/invariants';
import { planPurchases, sendPurchases } from '../../chaos/load';
import { seededRandom } from '../../chaos/scenario';
import { createGatewayClient } from '../../client';
import { finalPurchaseStatuses } from '../../contracts/purchase';
import type { RunningSystem } from '../../harness/system';
import { connectCarrier, connectStore, connectSupplier } from '../../prisma/clients';
import { putSetting } from '../support/consul-agent';
import {
  connects,
  deployTopology,
  hostAddress,
  instances,
  registeredAddress,
  requestFrom,
  type InstanceName,
  type Topology,
} from '../support/topology';

jest.setTimeout(300_000);

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The live rate limit while a load runs (Consul KV), and the one the budget tests lower it to. */
const loadRateLimit = 100_000;
const tightRateLimit = 10;
const stockPerSku = 1000;

interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number };
  Checks: { CheckID: string; Status: string; ServiceID: string }[];
}

/**
 * The system on simulated hosts, as deployed: clients through an nginx proxy on the edge host, two gateways, the
 * orchestrator, two suppliers and a carrier on hosts of their own, Consul, Redis, Temporal Server (PostgreSQL, mTLS)
 * and each owner's database at addresses of their own behind a firewall, and a stranger on the same network.
 */
describe('the deployed topology', () => {
  let topology: Topology;
  let connection: Connection | undefined;
  const readers: { $disconnect(): Promise<void> }[] = [];

  beforeAll(async () => {
    topology = await deployTopology({
      // The gateways believe X-Forwarded-For from the proxy on the edge host only.
      gatewayEnv: (address) => ({ TRUSTED_PROXIES: address('edge') }),
      kv: { RATE_LIMIT_PER_MINUTE: String(loadRateLimit) },
      log: (line) => process.stderr.write(`[topology] ${line}\n`),
    });
  }, 360_000);
  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    for (const reader of readers) await reader.$disconnect().catch(() => undefined);
    await topology?.destroy();
  }, 120_000);

  const client = () => topology.hosts.client;
  const stranger = () => topology.hosts.stranger;

  /** Registers and signs in a new user from `host` (through the proxy). */
  async function newUser(from = client(), sourceAddress?: string) {
    const email = `buyer-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const password = 'correct-horse-battery';
    const registered = await requestFrom(from, 'POST', `${topology.edgeUrl}/auth/register`, {
      body: { email, password, name: 'Buyer' },
      sourceAddress,
    });
    expect(registered.status).toBe(201);
    const login = await requestFrom(from, 'POST', `${topology.edgeUrl}/auth/login`, { body: { email, password }, sourceAddress });
    expect(login.status).toBe(200);
    return { email, password, token: login.body.token as string };
  }

  async function adminToken(from = client()) {
    const login = await requestFrom(from, 'POST', `${topology.edgeUrl}/auth/login`, { body: topology.admin });
    if (login.status !== 200) throw new Error(`admin login answered ${login.status}: ${JSON.stringify(login.body)}`);
    return login.body.token as string;
  }

  async function healthOf(service: string): Promise<HealthEntry[]> {
    const answer = await fetch(`http://${topology.consul.address}/v1/health/service/${service}`, { headers: topology.consulHeaders });
    return (await answer.json()) as HealthEntry[];
  }

  /** A product of 3 in stock, a new buyer, and their purchase of `quantity` placed through the proxy and COMPLETED. */
  async function completedPurchase(skuPrefix: string, quantity: number) {
    const admin = await adminToken();
    const sku = `${skuPrefix}-${Date.now().toString(36).toUpperCase()}`;
    const created = await requestFrom(client(), 'POST', `${topology.edgeUrl}/products`, {
      token: admin,
      body: { sku, name: `Product ${sku}`, priceCents: 500, stock: 3 },
    });
    expect(created.status).toBe(201);
    const buyer = await newUser();
    const placed = await requestFrom(client(), 'POST', `${topology.edgeUrl}/purchases`, {
      token: buyer.token,
      headers: { 'idempotency-key': `topology-${sku}` },
      body: { items: [{ sku, quantity }], address: lisbon },
    });
    expect(placed.status).toBe(202);
    const id = placed.body.purchase.id as string;
    let status = '';
    await topology.waitUntil(`purchase ${id} ending`, async () => {
      const answer = await requestFrom(client(), 'GET', `${topology.edgeUrl}/purchases/${id}`, { token: buyer.token });
      status = answer.body?.purchase?.status;
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(status);
    });
    expect(status).toBe('COMPLETED');
    return { admin, sku, buyer, id };
  }

  it('completes a purchase made from the client host through the proxy', async () => {
    const { admin, sku } = await completedPurchase('TOPO', 2);
    const stock = await requestFrom(client(), 'GET', `${topology.edgeUrl}/inventory/${sku}`, { token: admin });
    expect(stock.status).toBe(200);
    expect(stock.body).toMatchObject({ available: 1, reserved: 0 });
  });

  it('erases a customer from the client host: the workers on their hosts scrub their rows and the cluster drops the histories', async () => {
    const { admin, buyer, id } = await completedPurchase('ERASE', 1);

    const erased = await requestFrom(client(), 'DELETE', `${topology.edgeUrl}/auth/me`, { token: buyer.token });
    expect(erased.status).toBe(202);
    expect((await requestFrom(client(), 'GET', `${topology.edgeUrl}/auth/me`, { token: buyer.token })).status).toBe(401);
    let erasure: any;
    await topology.waitUntil('the erasure ending', async () => {
      erasure = (await requestFrom(client(), 'GET', `${topology.edgeUrl}/erasures/${erased.body.erasure.id}`, { token: admin })).body.erasure;
      return erasure?.status === 'COMPLETED' || erasure?.status === 'FAILED';
    });
    // The orchestrator's certificate may list and delete on Temporal Server; the carrier's host scrubbed its row.
    expect(erasure).toMatchObject({
      status: 'COMPLETED',
      result: { carrier: { deliveriesScrubbed: 1 }, store: { purchasesScrubbed: 1, accountScrubbed: true }, temporal: { workflowsDeleted: 1 } },
    });
    const record = await requestFrom(client(), 'GET', `${topology.edgeUrl}/purchases/${id}`, { token: admin });
    expect(record.body.purchase).toMatchObject({ status: 'COMPLETED', address: { street: '[erased]', country: lisbon.country } });
  });

  it('registers every instance once in Consul, at the address others reach it on, its checks passing', async () => {
    const names: InstanceName[] = Object.keys(instances) as InstanceName[];
    const byService = new Map<string, InstanceName[]>();
    for (const name of names) byService.set(instances[name].service, [...(byService.get(instances[name].service) ?? []), name]);
    for (const [service, members] of byService) {
      const expected = members.map((name) => `${registeredAddress(name)}:${instances[name].port} passing`).sort();
      const seen = (entries: HealthEntry[]) =>
        entries
          .map((entry) => `${entry.Service.Address}:${entry.Service.Port} ${[...new Set(entry.Checks.map((check) => check.Status))].join('/')}`)
          .sort();
      let entries: HealthEntry[] = [];
      // Checks run every few seconds: a fresh registration is critical until its first check passes.
      await topology
        .waitUntil(`every ${service} passing in Consul`, async () => {
          entries = await healthOf(service);
          return JSON.stringify(seen(entries)) === JSON.stringify(expected);
        }, 30_000)
        .catch(() => undefined);
      expect({ service, instances: seen(entries) }).toEqual({ service, instances: expected });
      expect(new Set(entries.map((entry) => entry.Service.ID)).size).toBe(members.length);
      // Reachable from another host at the registered address, not only from the agent's.
      for (const entry of entries) {
        const answer = await requestFrom(topology.hosts.edge, 'GET', `http://${entry.Service.Address}:${entry.Service.Port}/health`);
        expect(answer.status).toBe(200);
      }
    }
  });

  it('has Consul answer the processes’ token only: without it nothing is listed and no registration taken', async () => {
    const from = topology.hosts.supplier1;
    const url = `http://${topology.consul.address}`;
    const listed = async (token?: string) => {
      const answer = await requestFrom(from, 'GET', `${url}/v1/health/service/supplier`, {
        headers: token ? { 'x-consul-token': token } : {},
      });
      return Array.isArray(answer.body) ? answer.body.length : answer.status;
    };
    const registration = (token?: string) =>
      requestFrom(from, 'PUT', `${url}/v1/agent/service/register`, {
        headers: token ? { 'x-consul-token': token } : {},
        body: { ID: 'impostor', Name: 'supplier', Address: hostAddress('stranger'), Port: 3001 },
      });
    expect({ withoutToken: await listed(), withToken: await listed(topology.consul.token) }).toEqual({ withoutToken: 0, withToken: 2 });
    expect((await registration()).status).toBe(403);
    expect(await listed(topology.consul.token)).toBe(2);
  });

  it('keeps the databases, Temporal, Redis and Consul out of the stranger’s reach, and in reach of their users', async () => {
    const { servers } = topology;
    const temporalPort = Number(topology.temporal.address.split(':')[1]);
    const consulPort = topology.consul.httpPort;
    const targets = [
      { what: 'the store database', address: servers.storeDb, port: 5432, user: topology.hosts.orchestrator },
      { what: 'the supplier database', address: servers.supplierDb, port: 5432, user: topology.hosts.supplier1 },
      { what: 'the carrier database', address: servers.carrierDb, port: 5432, user: topology.hosts.carrier },
      { what: 'Temporal', address: servers.temporal, port: temporalPort, user: topology.hosts.carrier },
      { what: 'Consul', address: servers.consul, port: consulPort, user: topology.hosts.supplier2 },
      { what: 'Redis', address: servers.redis, port: topology.redisPort, user: topology.hosts.gateway2 },
    ];
    const outcome = [];
    for (const target of targets) {
      outcome.push({
        what: target.what,
        fromStranger: await connects(stranger(), target.address, target.port),
        fromClient: await connects(client(), target.address, target.port),
        fromUser: await connects(target.user, target.address, target.port),
      });
    }
    expect(outcome).toEqual(targets.map((target) => ({ what: target.what, fromStranger: false, fromClient: false, fromUser: true })));
  });

  it('moves /inventory to the other supplier once a supplier host goes away, and back when it returns', async () => {
    const admin = await adminToken();
    const sku = 'SKU-2';
    const inventory = () => requestFrom(client(), 'GET', `${topology.edgeUrl}/inventory/${sku}`, { token: admin });
    expect((await inventory()).status).toBe(200);
    const gone = `${hostAddress('supplier1')}`;
    await topology.hostDown('supplier1');
    try {
      // Consul's check of the gone host fails within its interval; from then on the gateways send nothing there.
      await topology.waitUntil('Consul marking supplier1 critical', async () => {
        const entries = await healthOf('supplier');
        const entry = entries.find((candidate) => candidate.Service.Address === gone);
        return entry === undefined || entry.Checks.some((check) => check.Status === 'critical');
      }, 30_000);
      // The gateways' locators cache the healthy list briefly (2 s).
      await sleep(2_500);
      const statuses: number[] = [];
      for (let index = 0; index < 8; index += 1) statuses.push((await inventory()).status);
      expect(statuses).toEqual(Array(8).fill(200));
    } finally {
      await topology.hostUp('supplier1');
    }
    await topology.waitReady('supplier1');
    await topology.waitUntil('supplier1 passing again', async () => {
      const entries = await healthOf('supplier');
      return entries.filter((entry) => entry.Checks.every((check) => check.Status === 'passing')).length === 2;
    }, 30_000);
  });

  it('answers 401 to the stranger on the owners’ APIs without the service credential, /health excepted', async () => {
    const apis = [
      { instance: 'supplier1' as const, path: '/inventory' },
      { instance: 'supplier2' as const, path: '/inventory' },
      { instance: 'carrier' as const, path: '/deliveries' },
    ];
    const outcome = [];
    for (const { instance, path } of apis) {
      const url = `${topology.instanceUrl(instance)}${path}`;
      outcome.push({
        instance,
        without: (await requestFrom(stranger(), 'GET', url)).status,
        wrong: (await requestFrom(stranger(), 'GET', url, { token: 'not-the-service-token-at-all' })).status,
        withToken: (await requestFrom(stranger(), 'GET', url, { token: topology.serviceToken })).status,
        health: (await requestFrom(stranger(), 'GET', `${topology.instanceUrl(instance)}/health`)).status,
      });
    }
    expect(outcome).toEqual(apis.map(({ instance }) => ({ instance, without: 401, wrong: 401, withToken: 200, health: 200 })));
  });

  /** Sets the live rate limit in Consul KV and waits until both gateways apply it. */
  async function setRateLimit(limit: number) {
    await putSetting(topology.consul, 'RATE_LIMIT_PER_MINUTE', String(limit));
    for (const instance of ['gateway1', 'gateway2'] as const) {
      await topology.waitUntil(`${instance} applying RATE_LIMIT_PER_MINUTE=${limit}`, async () => {
        const answer = await fetch(`${topology.instanceUrl(instance)}/products`);
        return answer.headers.get('ratelimit-limit') === String(limit);
      }, 30_000);
    }
  }

  /**
   * A client's window is fixed and opens at its first request, which may have been an earlier test's: when less than
   * `marginSeconds` of it is left, waits until it has ended, so that a test's requests all count in one window and its
   * budget does not refill halfway through them. `request` is one request of the client's, counted like the rest.
   */
  async function oneWindowAhead(request: () => Promise<{ headers: Record<string, string> }>, marginSeconds = 20) {
    const resetSeconds = Number((await request()).headers['ratelimit-reset']);
    if (!Number.isFinite(resetSeconds)) throw new Error('the answer has no RateLimit-Reset');
    if (resetSeconds < marginSeconds) await sleep((resetSeconds + 1) * 1000);
  }

  describe('with a tight rate limit', () => {
    beforeAll(() => setRateLimit(tightRateLimit));
    afterAll(() => setRateLimit(loadRateLimit));

    it('gives each client behind the proxy a budget of its own', async () => {
      const [first, second] = [client().address, client().extraAddresses[0]!];
      const products = (sourceAddress: string) => requestFrom(client(), 'GET', `${topology.edgeUrl}/products`, { sourceAddress });
      await oneWindowAhead(() => products(first));
      const firstStatuses: number[] = [];
      for (let index = 0; index < tightRateLimit + 2; index += 1) firstStatuses.push((await products(first)).status);
      // The first client used its budget up…
      expect(firstStatuses.slice(-2)).toEqual([429, 429]);
      // …and the second, through the same proxy, still has all of its own.
      const answer = await products(second);
      expect({ status: answer.status, remaining: answer.headers['ratelimit-remaining'] }).toEqual({
        status: 200,
        remaining: String(tightRateLimit - 1),
      });
    });

    it('keys a request from an untrusted peer by the peer, whatever X-Forwarded-For it sends', async () => {
      await oneWindowAhead(() => requestFrom(stranger(), 'GET', `${topology.instanceUrl('gateway1')}/products`));
      const statuses: number[] = [];
      for (let index = 0; index < tightRateLimit + 2; index += 1) {
        const answer = await requestFrom(stranger(), 'GET', `${topology.instanceUrl('gateway1')}/products`, {
          headers: { 'x-forwarded-for': `198.51.100.${index + 1}` },
        });
        statuses.push(answer.status);
      }
      expect(statuses.slice(-2)).toEqual([429, 429]);
      // Through the trusted proxy a spoof gains nothing either: the proxy appends the peer it saw, and that is the
      // client, whose budget is spent.
      const throughProxy = await requestFrom(stranger(), 'GET', `${topology.edgeUrl}/products`, {
        headers: { 'x-forwarded-for': '198.51.100.99' },
      });
      expect(throughProxy.status).toBe(429);
    });
  });

  it('never locks the owner out of an account with another client’s failed logins', async () => {
    const owner = await newUser(client(), client().extraAddresses[0]);
    const [attacker, ownersAddress] = [client().address, client().extraAddresses[0]!];
    const login = (password: string, sourceAddress: string) =>
      requestFrom(client(), 'POST', `${topology.edgeUrl}/auth/login`, { body: { email: owner.email, password }, sourceAddress });
    const guesses: number[] = [];
    for (let index = 0; index < 8; index += 1) guesses.push((await login(`wrong-guess-${index}`, attacker)).status);
    // The guesser is slowed down: past the free failures, it must wait.
    expect(guesses).toContain(429);
    expect((await login(owner.password, attacker)).status).toBe(429);
    // The owner, from another address behind the same proxy, signs in at once.
    expect((await login(owner.password, ownersAddress)).status).toBe(200);
  });

  it('loses nothing under a purchase load while a gateway host, a supplier host and each owner’s database go away and return, and a process starts while its database is away', async () => {
    const started = Date.now();
    const admin = await adminToken();
    const skus = ['A', 'B', 'C'].map((letter) => `TOPO-LOAD-${started.toString(36).toUpperCase()}-${letter}`);
    const edge = createGatewayClient(topology.edgeUrl, { token: admin });
    for (const sku of skus) {
      const created = await edge.POST('/products', { body: { sku, name: `Product ${sku}`, priceCents: 500, stock: stockPerSku } });
      expect(created.response.status).toBe(201);
    }
    const buyers = [];
    for (let index = 0; index < 4; index += 1) {
      const email = `load-${started}-${index}@example.com`;
      const password = 'correct-horse-battery';
      await createGatewayClient(topology.edgeUrl).POST('/auth/register', { body: { email, password, name: 'Load' } });
      const login = await createGatewayClient(topology.edgeUrl).POST('/auth/login', { body: { email, password } });
      buyers.push({ token: login.data!.token, id: login.data!.user.id });
    }
    const { certs } = topology.temporal;
    connection = await Connection.connect({
      address: topology.temporal.address,
      tls: {
        serverNameOverride: 'localhost',
        serverRootCACertificate: fs.readFileSync(certs.ca),
        clientCertPair: { crt: fs.readFileSync(certs.client.cert), key: fs.readFileSync(certs.client.key) },
      },
    });
    const temporal = new Client({ connection, namespace: topology.temporal.namespace, dataConverter: payloadDataConverter(topology.payloadKeys) });
    const store = connectStore(topology.databases.store.localUrl);
    const supplier = connectSupplier(topology.databases.supplier.localUrl);
    const carrier = connectCarrier(topology.databases.carrier.localUrl);
    readers.push(store, supplier, carrier);

    const load = {
      purchases: 200,
      spreadMs: 30_000,
      skus,
      buyers: buyers.length,
      giveUpAfterMs: 120_000,
      random: seededRandom(20261204),
      gatewayUrl: topology.edgeUrl,
    };
    const plan = planPurchases(load, `topology-${started}`);

    // What is away when, for judging each /ready answer: each owner's database, and the hosts and restarts that
    // take an instance itself away.
    type Span = 'db:store' | 'db:supplier' | 'db:carrier' | 'host:gateway2' | 'host:supplier2' | 'restart:carrier';
    const spans = new Map<Span, [number, number][]>();
    const leftAt = new Map<Span, number>();
    const leave = (span: Span) => leftAt.set(span, Date.now());
    const comeBack = (span: Span) => spans.set(span, [...(spans.get(span) ?? []), [leftAt.get(span)!, Date.now()]]);
    const dependsOn: Record<InstanceName, { database: Span; own: Span[] }> = {
      gateway1: { database: 'db:store', own: [] },
      gateway2: { database: 'db:store', own: ['host:gateway2'] },
      orchestrator: { database: 'db:store', own: [] },
      supplier1: { database: 'db:supplier', own: [] },
      supplier2: { database: 'db:supplier', own: ['host:supplier2'] },
      carrier: { database: 'db:carrier', own: ['restart:carrier'] },
    };
    const watched = Object.keys(dependsOn) as InstanceName[];

    let running = true;
    const readiness: { instance: InstanceName; sent: number; answered: number; status: number; body: any }[] = [];
    const watchReadiness = (async () => {
      while (running) {
        await Promise.all(
          watched.map(async (instance) => {
            const sent = Date.now();
            // No answer within a probe's timeout counts as status 0: a probe that hangs names nothing.
            const answer = await fetch(`${topology.instanceUrl(instance)}/ready`, { signal: AbortSignal.timeout(4_000) }).catch(() => undefined);
            const body = await answer?.json().catch(() => undefined);
            readiness.push({ instance, sent, answered: Date.now(), status: answer?.status ?? 0, body });
          }),
        );
        await sleep(300);
      }
    })();
    const lowestSeen = new Map<string, { available: number; reserved: number }>();
    const watchStock = (async () => {
      while (running) {
        const rows = await supplier.inventory.findMany({ where: { sku: { in: skus } } }).catch(() => []);
        for (const row of rows) {
          const seen = lowestSeen.get(row.sku) ?? { available: Infinity, reserved: Infinity };
          lowestSeen.set(row.sku, { available: Math.min(seen.available, row.available), reserved: Math.min(seen.reserved, row.reserved) });
        }
        await sleep(500);
      }
    })();

    // The carrier started while its database is away: alive, not ready (naming the database), ready once it is back,
    // the same process throughout.
    const restarted: Record<string, unknown> = {};
    const faults = (async () => {
      // Each fault lasts its own span, however long the steps around it take.
      await sleep(3_000);
      leave('host:gateway2');
      await topology.hostDown('gateway2');
      await sleep(6_000);
      await topology.hostUp('gateway2');
      await topology.waitReady('gateway2');
      comeBack('host:gateway2');
      leave('host:supplier2');
      await topology.hostDown('supplier2');
      await sleep(6_000);
      await topology.hostUp('supplier2');
      leave('db:store');
      await topology.databaseAway('store');
      await sleep(7_000);
      // Counted as back from the moment it starts returning: an answer after that may rightly be 200.
      comeBack('db:store');
      await topology.databaseBack('store');
      await topology.waitReady('supplier2');
      comeBack('host:supplier2');
      leave('db:supplier');
      await topology.databaseAway('supplier');
      await sleep(5_000);
      comeBack('db:supplier');
      await topology.databaseBack('supplier');
      leave('db:carrier');
      await topology.databaseAway('carrier');
      await sleep(1_000);
      leave('restart:carrier');
      await topology.stopInstance('carrier', 'SIGKILL');
      topology.startInstance('carrier');
      const pid = topology.pid('carrier');
      await topology.waitUntil('the restarted carrier answering /health', async () => {
        return (await fetch(`${topology.instanceUrl('carrier')}/health`)).status === 200;
      }, 60_000);
      comeBack('restart:carrier');
      const ready = await fetch(`${topology.instanceUrl('carrier')}/ready`);
      const body = (await ready.json()) as { waitingFor?: string[] };
      restarted.whileAway = { status: ready.status, waitingFor: body.waitingFor };
      await sleep(4_000);
      comeBack('db:carrier');
      await topology.databaseBack('carrier');
      await topology.waitReady('carrier');
      restarted.sameProcess = topology.running('carrier') && topology.pid('carrier') === pid;
    })();
    // The watchers stop however the load ends: a fault step that throws must not leave them polling past the test.
    await Promise.all([faults, sendPurchases({} as RunningSystem, () => temporal, plan, buyers.map((buyer) => buyer.token), load)]).catch(
      async (error: unknown) => {
        running = false;
        await Promise.all([watchReadiness, watchStock]);
        throw error;
      },
    );

    const ids = plan.flatMap((purchase) => (purchase.id ? [purchase.id] : []));
    await topology
      .waitUntil('every accepted purchase ending', async () => {
        const ended = await store.purchase.count({ where: { id: { in: ids }, status: { in: [...finalPurchaseStatuses] } } });
        return ended === ids.length;
      }, 150_000)
      .catch(() => undefined);
    running = false;
    await Promise.all([watchReadiness, watchStock]);

    // Every purchase was accepted in the end: the clients' retries with their keys got through every fault.
    expect(ids.length).toBe(plan.length);
    const invariants = await checkInvariants({
      plan,
      buyerIds: buyers.map((buyer) => buyer.id),
      initialStock: new Map(skus.map((sku) => [sku, stockPerSku])),
      lowestSeen,
      store,
      supplier,
      carrier,
      temporal,
    });
    expect(invariants.filter((invariant) => !invariant.held)).toEqual([]);

    expect(restarted).toEqual({ whileAway: { status: 503, waitingFor: ['database'] }, sameProcess: true });

    // Every /ready was honest: 503 naming the database while the instance's database was away (from a second after it
    // went until it came back), 200 when neither its database nor the instance itself had been away for a few seconds.
    const list = (span: Span) => spans.get(span) ?? [];
    const during = (span: Span, from: number, to: number) => list(span).some(([start, end]) => from >= start + 1_000 && to <= end);
    // A database back is given a few seconds (connections are made anew); an instance's own span ends once it answers.
    const near = (span: Span, from: number, to: number, margin = 5_000) =>
      list(span).some(([start, end]) => to >= start && from <= end + margin);
    const dishonest = readiness.flatMap((sample) => {
      const { database, own } = dependsOn[sample.instance];
      if (own.some((span) => near(span, sample.sent, sample.answered, 500))) return [];
      const label = `${sample.instance} at +${sample.sent - started} ms: ${sample.status} ${JSON.stringify(sample.body?.error?.details ?? sample.body ?? {})}`;
      if (during(database, sample.sent, sample.answered)) {
        return sample.status === 503 && sample.body?.error?.details?.database === 'down' ? [] : [`${database} away, yet ${label}`];
      }
      if (!near(database, sample.sent, sample.answered)) return sample.status === 200 ? [] : [`nothing away, yet ${label}`];
      return [];
    });
    const judgedWhileAway = Object.fromEntries(
      watched.map((instance) => [
        instance,
        readiness.filter((sample) => sample.instance === instance && during(dependsOn[instance].database, sample.sent, sample.answered)).length > 0,
      ]),
    );
    expect({ judgedWhileAway, dishonest }).toEqual({
      judgedWhileAway: Object.fromEntries(watched.map((instance) => [instance, true])),
      dishonest: [],
    });
    const judged = readiness.filter((sample) => during(dependsOn[sample.instance].database, sample.sent, sample.answered)).length;
    process.stderr.write(
      `[topology] load: ${plan.length} purchases in ${Math.round((Date.now() - started) / 1000)} s; ` +
        `${invariants.map((invariant) => invariant.figures).join(' | ')}; ${readiness.length} /ready answers, ${judged} while their database was away\n`,
    );
  });
});
