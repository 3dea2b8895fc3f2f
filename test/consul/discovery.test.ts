import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createServicesClient } from '../../api/services-client';
import { createServiceLocator } from '../../discovery/locator';
import { registerService, type ServiceRegistration } from '../../discovery/registration';
import { startLiveConfig } from '../../config/live-config';
import { startConsulAgent, type ConsulAgent } from '../support/consul-agent';

/**
 * An HTTP instance answering `/health` and counting what else reaches it, so spreading can be counted per instance.
 * The locator and the registration are tested here on their own, against the real agent, with instances that start in
 * milliseconds and die on cue; test/consul/system.test.ts does the same through the gateway with the real processes.
 */
async function startInstance(listenHost = '127.0.0.1') {
  let hits = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/health') hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url === '/inventory' ? '{"items":[]}' : '{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    kill: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const logger = pino({ level: 'silent' });

describe('discovery on a real Consul agent', () => {
  let consul: ConsulAgent;
  beforeAll(async () => {
    consul = await startConsulAgent();
  }, 60_000);
  afterAll(async () => {
    await consul?.stop();
    consul?.remove();
  });

  const healthyUrls = async (service: 'supplier' | 'carrier') => {
    const answer = await fetch(`http://${consul.address}/v1/health/service/${service}?passing=true`);
    const entries = (await answer.json()) as { Service: { Address: string; Port: number } }[];
    return entries.map((entry) => `http://${entry.Service.Address}:${entry.Service.Port}`).sort();
  };

  it('spreads requests over two passing instances, drops one that dies within its check interval, and one that stops at once', async () => {
    const instances = await Promise.all([startInstance(), startInstance()]);
    const registrations: ServiceRegistration[] = instances.map((instance) =>
      registerService({ consulAddress: consul.address, name: 'supplier', listenHost: '127.0.0.1', port: instance.port, logger }),
    );
    const both = instances.map((instance) => instance.url).sort();
    await until(() => healthyUrls('supplier'), (urls) => urls.length === 2);
    expect(await healthyUrls('supplier')).toEqual(both);

    const locator = createServiceLocator({ consulAddress: consul.address, services: {} as never }, { cacheMs: 0 });
    for (let i = 0; i < 100; i++) {
      const url = await locator.baseUrl('supplier');
      expect(both).toContain(url);
      await fetch(`${url}/inventory`);
    }
    expect(instances.map((instance) => instance.hits())).toEqual([50, 50]);

    // Killed without deregistering: its HTTP check turns critical and the locator stops handing it out.
    await instances[0].kill();
    await until(() => healthyUrls('supplier'), (urls) => urls.length === 1);
    for (let i = 0; i < 10; i++) expect(await locator.baseUrl('supplier')).toBe(instances[1].url);

    // Stopped cleanly: gone from Consul as soon as deregister returns, with no check interval to wait for.
    await registrations[1].deregister();
    expect(await healthyUrls('supplier')).toEqual([]);
    await expect(locator.baseUrl('supplier')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await registrations[0].deregister();
    await instances[1].kill();
  }, 60_000);

  it('serves all of 100 proxied reads across a kill -9 of one of two instances, retrying once on the other', async () => {
    const instances = await Promise.all([startInstance(), startInstance()]);
    const registrations = instances.map((instance) =>
      registerService({ consulAddress: consul.address, name: 'supplier', listenHost: '127.0.0.1', port: instance.port, logger }),
    );
    await until(() => healthyUrls('supplier'), (urls) => urls.length === 2);
    const locator = createServiceLocator({ consulAddress: consul.address, services: {} as never }, { cacheMs: 60_000 });
    const client = createServicesClient(locator);
    // The list is cached and Consul still calls the dead one passing: every other request first meets it.
    const outcomes: string[] = [];
    for (let i = 0; i < 100; i++) {
      if (i === 50) await instances[0].kill();
      outcomes.push(await client.listStock().then(() => 'ok', (error) => `failed: ${error.code} ${error.message} ${error.cause}`));
    }
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([]);
    expect(instances[0].hits()).toBe(25);
    expect(instances[1].hits()).toBe(75);
    for (const registration of registrations) await registration.deregister();
    await instances[1].kill();
  }, 60_000);

  it('registers once an agent that was away at start-up answers, and again after the agent restarts empty', async () => {
    const [port] = await Promise.all([import('../../harness/system').then((m) => m.freePort())]);
    const address = `127.0.0.1:${port}`;
    const passing = async () => {
      const answer = await fetch(`http://${address}/v1/health/service/carrier?passing=true`).catch(() => undefined);
      return answer?.ok ? ((await answer.json()) as unknown[]).length : -1;
    };
    const instance = await startInstance();
    const registration = registerService({ consulAddress: address, name: 'carrier', listenHost: '127.0.0.1', port: instance.port, logger });
    expect(registration.state()).toBe('away');
    let agent = await startConsulAgent({ httpPort: port });
    try {
      await until(passing, (count) => count === 1);
      expect(registration.state()).toBe('registered');
      // A dev agent keeps nothing across a restart: the instance must notice it is gone from the catalog and return.
      await agent.stop();
      agent = await startConsulAgent({ httpPort: port });
      expect(await passing()).toBe(0);
      await until(passing, (count) => count === 1);
      await registration.deregister();
      expect(await passing()).toBe(0);
    } finally {
      await registration.deregister();
      await agent.stop();
      agent.remove();
      await instance.kill();
    }
  }, 60_000);

  it('keeps handing out the instances last seen healthy while the agent does not answer', async () => {
    const agent = await startConsulAgent();
    const instances = await Promise.all([startInstance(), startInstance()]);
    const registrations = instances.map((instance) =>
      registerService({ consulAddress: agent.address, name: 'carrier', listenHost: '127.0.0.1', port: instance.port, logger }),
    );
    try {
      const passing = async () => {
        const answer = await fetch(`http://${agent.address}/v1/health/service/carrier?passing=true`);
        return ((await answer.json()) as unknown[]).length;
      };
      await until(passing, (count) => count === 2);
      const locator = createServiceLocator({ consulAddress: agent.address, services: {} as never }, { cacheMs: 0 });
      const seen = new Set([await locator.baseUrl('carrier'), await locator.baseUrl('carrier')]);
      expect([...seen].sort()).toEqual(instances.map((instance) => instance.url).sort());

      // Every lookup asks Consul (no cache): with the agent gone, the last healthy list answers instead of a 503.
      await agent.kill();
      const during = [];
      for (let i = 0; i < 10; i++) during.push(await locator.baseUrl('carrier'));
      expect(new Set(during)).toEqual(seen);
    } finally {
      for (const registration of registrations) await registration.deregister();
      for (const instance of instances) await instance.kill();
      agent.remove();
    }
  }, 60_000);

  it('registers two instances of one service on one host twice, under distinct ids, at the address others reach them at', async () => {
    // Both listen on every interface, as in a container or a pod: neither registers 0.0.0.0 or loopback.
    const instances = await Promise.all([startInstance('0.0.0.0'), startInstance('0.0.0.0')]);
    const registrations = instances.map((instance) =>
      registerService({ consulAddress: consul.address, name: 'carrier', listenHost: '0.0.0.0', instance: 'one-host', port: instance.port, logger }),
    );
    const external = Object.values(os.networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .find((entry) => entry.family === 'IPv4' && !entry.internal)?.address;
    try {
      const catalog = async () =>
        (await (await fetch(`http://${consul.address}/v1/health/service/carrier?passing=true`)).json()) as {
          Service: { ID: string; Address: string; Port: number };
        }[];
      // Passing: the agent's own checks reach each instance at the address it registered.
      const entries = await until(catalog, (found) => found.length === 2);
      expect(entries.map((entry) => entry.Service.ID).sort()).toEqual(
        instances.map((instance) => `carrier-one-host-${instance.port}`).sort(),
      );
      expect(registrations.map((registration) => registration.id).sort()).toEqual(entries.map((entry) => entry.Service.ID).sort());
      for (const entry of entries) {
        expect(entry.Service.Address).toBe(external ?? '127.0.0.1');
        expect(entry.Service.Address).not.toBe('0.0.0.0');
      }
      expect(entries.map((entry) => entry.Service.Port).sort()).toEqual(instances.map((instance) => instance.port).sort());
      // SERVICE_ADDRESS wins: a third instance registers the name others know it by.
      const named = registerService({
        consulAddress: consul.address, name: 'carrier', address: 'carrier.internal', listenHost: '0.0.0.0', instance: 'other-host', port: instances[0].port, logger,
      });
      const listed = await until(
        async () => (await (await fetch(`http://${consul.address}/v1/agent/services`)).json()) as Record<string, { Address: string }>,
        (services) => named.id in services,
      );
      expect(listed[named.id].Address).toBe('carrier.internal');
      expect(Object.keys(listed).filter((id) => id.startsWith('carrier-'))).toHaveLength(3);
      await named.deregister();
    } finally {
      for (const registration of registrations) await registration.deregister();
      for (const instance of instances) await instance.kill();
    }
  }, 60_000);
});
