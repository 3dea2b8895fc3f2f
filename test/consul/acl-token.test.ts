import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startLiveConfig } from '../../config/live-config';
import { createServiceLocator } from '../../discovery/locator';
import { consulTargets } from '../../observability/consul-targets';
import { registerService } from '../../discovery/registration';
import { freePort } from '../../net/ports';
import { ensureTool } from '../../scripts/tools';

const token = '3f0c2a8e-5b1d-4c7e-9a6f-0d2b4e8c1a57';

/** A real Consul agent with ACLs on and every request without a token denied; `token` is its management token. */
async function startAclAgent() {
  const binary = await ensureTool('consul');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consul-acl-'));
  const [httpPort, server, lan, wan] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const address = `127.0.0.1:${httpPort}`;
  const agent: ChildProcess = spawn(
    binary,
    ['agent', '-server', '-bootstrap-expect=1', `-data-dir=${dataDir}`, '-node=acl-agent', '-bind=127.0.0.1',
      '-client=127.0.0.1', `-http-port=${httpPort}`, '-dns-port=-1', '-grpc-port=-1', '-grpc-tls-port=-1',
      `-server-port=${server}`, `-serf-lan-port=${lan}`, `-serf-wan-port=${wan}`, '-log-level=error',
      '-hcl', `acl { enabled = true, default_policy = "deny", enable_token_persistence = false, tokens { initial_management = "${token}", agent = "${token}" } }`],
    { stdio: 'ignore' },
  );
  // Ready once it has a leader and its ACL system answers the management token.
  for (;;) {
    if (agent.exitCode !== null) throw new Error(`Consul exited with code ${agent.exitCode}`);
    const answer = await fetch(`http://${address}/v1/acl/token/self`, { headers: { 'X-Consul-Token': token } }).catch(() => undefined);
    if (answer?.ok) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    address,
    stop: async () => {
      if (agent.exitCode === null) {
        const exited = new Promise((resolve) => agent.once('exit', resolve));
        agent.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A logger whose warnings a test can wait for: the registration says so when the agent refuses it. */
function watchedLogger() {
  const warnings: string[] = [];
  const waiters: (() => void)[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line).msg); waiters.splice(0).forEach((wake) => wake()); } });
  const warned = async (text: string) => {
    while (!warnings.some((msg) => msg.includes(text))) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { logger, warned };
}

describe('CONSUL_HTTP_TOKEN on a Consul agent that denies requests without a token', () => {
  let agent: Awaited<ReturnType<typeof startAclAgent>>;
  let instance: http.Server;
  let port: number;
  beforeAll(async () => {
    agent = await startAclAgent();
    instance = http.createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((resolve) => instance.listen(0, '127.0.0.1', resolve));
    port = (instance.address() as AddressInfo).port;
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await new Promise<void>((resolve) => instance?.close(() => resolve()));
  });

  const asManagement = (route: string, init: RequestInit = {}) =>
    fetch(`http://${agent.address}${route}`, { ...init, headers: { 'X-Consul-Token': token } });

  it('registers, is found and reads KV with the token; without it the agent refuses the registration and shows nothing', async () => {
    const silent = pino({ level: 'silent' });
    const registration = registerService({ consulAddress: agent.address, consulToken: token, name: 'supplier', listenHost: '127.0.0.1', port, logger: silent });
    const refused = watchedLogger();
    const unregistered = registerService({ consulAddress: agent.address, name: 'carrier', listenHost: '127.0.0.1', port, logger: refused.logger });
    try {
      const passing = async (service: string) =>
        (await (await asManagement(`/v1/health/service/${service}?passing=true`)).json()) as { Service: { ID: string } }[];
      for (;;) {
        if ((await passing('supplier')).length === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect((await passing('supplier')).map((entry) => entry.Service.ID)).toEqual([registration.id]);

      // The locator sees it with the token; without one the agent's ACLs hide every instance.
      const withToken = createServiceLocator({ consulAddress: agent.address, consulToken: token, services: {} as never }, { cacheMs: 0 });
      expect(await withToken.baseUrl('supplier')).toBe(`http://127.0.0.1:${port}`);
      const without = createServiceLocator({ consulAddress: agent.address, services: {} as never }, { cacheMs: 0 });
      await expect(without.baseUrl('supplier')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

      // Without the token: refused (the registration says so and keeps trying), and nothing is listed under carrier.
      await refused.warned('Could not register in Consul');
      const services = (await (await asManagement('/v1/agent/services')).json()) as Record<string, unknown>;
      expect(Object.keys(services)).toEqual([registration.id]);

      // The configuration in KV is read with the token too.
      expect((await asManagement('/v1/kv/purchase-saga/dev/RATE_LIMIT_PER_MINUTE', { method: 'PUT', body: '7' })).ok).toBe(true);
      const live = await startLiveConfig({ env: { CONSUL_HTTP_ADDR: agent.address, CONSUL_HTTP_TOKEN: token }, logger: silent });
      try {
        expect(live.current().rateLimitPerMinute).toBe(7);
      } finally {
        live.close();
      }
    } finally {
      await registration.deregister();
      await unregistered.deregister();
    }
    expect(await (await asManagement('/v1/agent/services')).json()).toEqual({});
  }, 60_000);
});

describe('the Consul client’s requests', () => {
  it('carry X-Consul-Token on every call (registration, lookup, KV, Prometheus’s targets, deregistration), and none without a token', async () => {
    const seen: { url: string; token: string | undefined }[] = [];
    const recorder = http.createServer((req, res) => {
      seen.push({ url: `${req.method} ${req.url}`, token: req.headers['x-consul-token'] as string | undefined });
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1/kv/')) {
        res.statusCode = 404;
        res.end();
      } else if (req.url?.startsWith('/v1/health/service/')) res.end('[]');
      else res.end('{}');
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    const logger = pino({ level: 'silent' });
    try {
      for (const given of [token, undefined]) {
        seen.length = 0;
        const registration = registerService({ consulAddress: address, consulToken: given, name: 'gateway', listenHost: '127.0.0.1', port: 3000, logger });
        const locator = createServiceLocator({ consulAddress: address, consulToken: given, services: {} as never }, { cacheMs: 0 });
        await locator.baseUrl('carrier').catch(() => undefined);
        // Prometheus's targets from the catalog (npm run start:prometheus with Consul).
        expect((await consulTargets(address, given)).map((group) => group.labels.job)).toEqual(['gateway', 'orchestrator', 'supplier', 'carrier']);
        const live = await startLiveConfig({ env: { CONSUL_HTTP_ADDR: address, ...(given ? { CONSUL_HTTP_TOKEN: given } : {}) }, logger });
        live.close();
        await registration.deregister();
        const kinds = seen.map((request) => request.url.split('?')[0]!.replace(/\/[^/]*$/, '/…'));
        expect(new Set(kinds)).toEqual(
          new Set(['PUT /v1/agent/service/…', 'GET /v1/health/service/…', 'GET /v1/kv/…', 'PUT /v1/agent/service/deregister/…']),
        );
        expect(seen.map((request) => request.token)).toEqual(seen.map(() => given));
      }
    } finally {
      await new Promise<void>((resolve) => recorder.close(() => resolve()));
    }
  }, 60_000);
});
