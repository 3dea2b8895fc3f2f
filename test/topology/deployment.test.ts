import { putSetting } from '../support/consul-agent';
import {
  connects,
  deployTopology,
  hostAddress,
  instances,
  requestFrom,
  type InstanceName,
  type Topology,
} from '../support/topology';

jest.setTimeout(300_000);

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  beforeAll(async () => {
    topology = await deployTopology({ log: (line) => process.stderr.write(`[topology] ${line}\n`) });
  }, 360_000);
  afterAll(async () => {
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
    const answer = await fetch(`http://${topology.consul.address}/v1/health/service/${service}`);
    return (await answer.json()) as HealthEntry[];
  }

  it('completes a purchase made from the client host through the proxy', async () => {
    const admin = await adminToken();
    const sku = `TOPO-${Date.now().toString(36).toUpperCase()}`;
    const created = await requestFrom(client(), 'POST', `${topology.edgeUrl}/products`, {
      token: admin,
      body: { sku, name: `Product ${sku}`, priceCents: 500, stock: 3 },
    });
    expect(created.status).toBe(201);
    const buyer = await newUser();
    const placed = await requestFrom(client(), 'POST', `${topology.edgeUrl}/purchases`, {
      token: buyer.token,
      headers: { 'idempotency-key': `topology-${sku}` },
      body: { items: [{ sku, quantity: 2 }], address: lisbon },
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
    const stock = await requestFrom(client(), 'GET', `${topology.edgeUrl}/inventory/${sku}`, { token: admin });
    expect(stock.status).toBe(200);
    expect(stock.body).toMatchObject({ available: 1, reserved: 0 });
  });

  it('registers every instance once in Consul, at the address others reach it on, its checks passing', async () => {
    const names: InstanceName[] = Object.keys(instances) as InstanceName[];
    const byService = new Map<string, InstanceName[]>();
    for (const name of names) byService.set(instances[name].service, [...(byService.get(instances[name].service) ?? []), name]);
    for (const [service, members] of byService) {
      const expected = members.map((name) => `${hostAddress(instances[name].host)}:${instances[name].port} passing`).sort();
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
});
