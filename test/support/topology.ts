import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../config';
import { formatPayloadKeys, type PayloadKey } from '../../config/payload-keys';
import { services, tsxLoader, type ServiceName } from '../../launch/services';
import { freePort } from '../../net/ports';
import { ensureTool } from '../../scripts/tools';
import { putSetting, startConsulAgent, type ConsulAgent } from './consul-agent';
import { createEmptyDatabase } from './engines';
import { createNetwork, removeLeftovers, type SimulatedHost, type SimulatedNetwork } from './netns';
import { startTemporalCluster, type TemporalCluster } from './temporal-cluster';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The system deployed as production deploys it, on simulated hosts (test/support/netns.ts): clients reach an nginx
 * reverse proxy on an edge host, which spreads requests over two gateways on hosts of their own; the orchestrator, two
 * suppliers and a carrier each run on a host of their own; Consul, Redis, Temporal Server (PostgreSQL, mutual TLS) and
 * each owner's database have addresses of their own on the bridge. A firewall (nftables, in the root namespace where
 * those servers run) lets only the hosts that use a server reach it, as a production network policy does; a client
 * host and a stranger host sit on the same network. Every process binds the address it is given, so a wrong
 * advertised address fails.
 *
 * The infrastructure's servers run in the root namespace, each bound to its own bridge address: Temporal Server and
 * the machine's PostgreSQL (which listens on 127.0.0.1 only and holds Temporal's databases and the owners') need no
 * copy of their own. Each owner's database is reached at its own address through a socat forwarder to a database of
 * its own on that PostgreSQL: stopping the forwarder is that database host going away (connections reset, new ones
 * refused), starting it again is the host coming back, with the data intact.
 */
/**
 * Names of one run, each carrying the process id of the run that made them, so that runs on one machine at the same
 * time never touch each other's hosts, and a run finds what a crashed one left (its process is gone) and deletes it.
 */
const runId = process.pid;
const names = {
  namespacePrefix: `topo${runId}-`,
  bridge: `topo${runId}`,
  linkPrefix: `t${runId}`,
  firewallTable: `topology${runId}`,
};
/** Each run takes a /24 of 10.213.0.0/16 of its own: a folder per subnet, holding the owner's process id, reserves it. */
const subnetLocks = '/run/topology-subnets';
let topologySubnet: string | undefined;

/** Where each host sits on the bridge (the last octet). */
export const hostOctets = {
  edge: 10,
  gateway1: 11,
  gateway2: 12,
  orchestrator: 13,
  supplier1: 14,
  supplier2: 15,
  carrier: 16,
  client: 20,
  stranger: 30,
} as const;
/** The client host's second address: a second client. */
export const secondClientOctet = 21;
/**
 * A second address of the orchestrator's host, which it registers through SERVICE_ADDRESS while it listens on every
 * interface: the address of its first interface would be the other one.
 */
export const orchestratorServiceOctet = 17;
/** The infrastructure's addresses, on the bridge in the root namespace. */
export const serverOctets = { consul: 2, temporal: 3, redis: 4, storeDb: 5, supplierDb: 6, carrierDb: 7 } as const;

export type HostName = keyof typeof hostOctets;
export type DatabaseHost = 'store' | 'supplier' | 'carrier';
/** The service instances and the host each runs on. */
export const instances = {
  gateway1: { service: 'gateway', host: 'gateway1', port: 3000 },
  gateway2: { service: 'gateway', host: 'gateway2', port: 3000 },
  orchestrator: { service: 'orchestrator', host: 'orchestrator', port: 3003 },
  supplier1: { service: 'supplier', host: 'supplier1', port: 3001 },
  supplier2: { service: 'supplier', host: 'supplier2', port: 3001 },
  carrier: { service: 'carrier', host: 'carrier', port: 3002 },
} as const satisfies Record<string, { service: ServiceName; host: HostName; port: number }>;
export type InstanceName = keyof typeof instances;

const address = (octet: number) => {
  if (!topologySubnet) throw new Error('no topology deployed in this process');
  return `${topologySubnet}.${octet}`;
};
export const hostAddress = (host: HostName) => address(hostOctets[host]);
/** Where an instance is registered in Consul (and reached by others). */
export const registeredAddress = (instance: InstanceName) =>
  instance === 'orchestrator' ? address(orchestratorServiceOctet) : hostAddress(instances[instance].host);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
const lines = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
  } catch {
    return [];
  }
};

/**
 * Deletes what crashed runs left (their process is gone): the processes in their namespaces, the namespaces, their
 * bridges, firewall tables and subnet reservations. Another run's, still going, is left alone.
 */
export function removeTopologyLeftovers() {
  const dead = new Set<number>();
  for (const line of lines('ip', ['netns', 'list'])) {
    const match = /^topo(\d+)-/.exec(line.trim());
    if (match && !alive(Number(match[1]))) dead.add(Number(match[1]));
  }
  for (const line of lines('ip', ['-o', 'link', 'show', 'type', 'bridge'])) {
    const match = /^\d+: topo(\d+)[:@]/.exec(line.trim());
    if (match && !alive(Number(match[1]))) dead.add(Number(match[1]));
  }
  for (const line of lines('nft', ['list', 'tables'])) {
    const match = /^table inet topology(\d+)$/.exec(line.trim());
    if (match && !alive(Number(match[1]))) dead.add(Number(match[1]));
  }
  for (const pid of dead) {
    removeLeftovers(`topo${pid}-`, `topo${pid}`);
    lines('nft', ['delete', 'table', 'inet', `topology${pid}`]);
  }
  for (const subnet of fs.existsSync(subnetLocks) ? fs.readdirSync(subnetLocks) : []) {
    const lock = path.join(subnetLocks, subnet);
    const read = (name: string) => (fs.existsSync(path.join(lock, name)) ? fs.readFileSync(path.join(lock, name), 'utf8') : '');
    if (alive(Number(read('pid').trim() || 0))) continue;
    // The servers it ran in the root namespace (Redis, Consul, Temporal Server, the forwarders), when still the same.
    // A forwarder's connections live on in its forked children, in its process group.
    const noted = read('children').split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]);
    for (const process_ of processes()) {
      if (noted.some(([pid, comm]) => process_.comm === comm && (process_.pid === pid || process_.group === pid))) {
        try {
          process.kill(Number(process_.pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The machine's processes: id, parent, process group and command name. */
function processes(): { pid: string; parent: string; group: string; comm: string }[] {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read from the last ')'.
      const [, parent, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({ pid: entry, parent: parent!, group: group!, comm: fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** Notes this run's child processes in its subnet's folder, for a later run to end should this one crash. */
function noteChildren(lock: string) {
  const children = processes().filter((candidate) => candidate.parent === String(runId));
  fs.appendFileSync(path.join(lock, 'children'), children.map(({ pid, comm }) => `${pid} ${comm}\n`).join(''));
}

/** Reserves a free 10.213.X.0/24 for this run. */
function reserveSubnet(): { subnet: string; noteChildren(): void; release(): void } {
  fs.mkdirSync(subnetLocks, { recursive: true });
  for (let third = 1; third < 255; third += 1) {
    const lock = path.join(subnetLocks, String(third));
    try {
      fs.mkdirSync(lock);
    } catch {
      continue; // another run's
    }
    fs.writeFileSync(path.join(lock, 'pid'), String(runId));
    return {
      subnet: `10.213.${third}`,
      noteChildren: () => noteChildren(lock),
      release: () => fs.rmSync(lock, { recursive: true, force: true }),
    };
  }
  throw new Error(`no free subnet left under ${subnetLocks}`);
}

interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logs: string[];
}

function keepLogs(name: string, child: ChildProcess, sink: string[]) {
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) sink.push(`[${name}] ${line}`);
    if (sink.length > 5_000) sink.splice(0, sink.length - 5_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', group = false) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const send = (sig: NodeJS.Signals) => {
    try {
      if (group && child.pid) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // gone
    }
  };
  send(signal);
  const forced = setTimeout(() => send('SIGKILL'), 12_000);
  await exited;
  clearTimeout(forced);
}

/** One HTTP exchange made from a simulated host with curl (the test process itself cannot enter a namespace). */
export interface HostAnswer {
  status: number;
  body: any;
  headers: Record<string, string>;
}

export async function requestFrom(
  host: SimulatedHost,
  method: string,
  url: string,
  init: { headers?: Record<string, string>; body?: unknown; token?: string; sourceAddress?: string; timeoutSeconds?: number } = {},
): Promise<HostAnswer> {
  const args = ['-s', '-S', '-X', method, '-D', '-', '--max-time', String(init.timeoutSeconds ?? 20)];
  if (init.sourceAddress) args.push('--interface', init.sourceAddress);
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (init.body !== undefined) args.push('--data-binary', '@-');
  args.push(url);
  const { stdout } = await host.exec('curl', args, {
    input: init.body === undefined ? undefined : JSON.stringify(init.body),
    timeoutMs: ((init.timeoutSeconds ?? 20) + 5) * 1000,
  });
  // Headers (possibly after a "100 Continue" block), a blank line, the body.
  let rest = stdout;
  let head = '';
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    head = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? '' : rest.slice(end + 4);
    if (!/^HTTP\/\S+ 1\d\d/.test(head)) break;
  }
  const [statusLine, ...headerLines] = head.split('\r\n');
  const status = Number(/^HTTP\/\S+ (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const answerHeaders: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) answerHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body: any = rest;
  try {
    body = rest ? JSON.parse(rest) : undefined;
  } catch {
    // not JSON
  }
  return { status, body, headers: answerHeaders };
}

/** Whether a TCP connection from `host` to `target:port` is accepted (within `timeoutSeconds`). */
export async function connects(host: SimulatedHost, target: string, port: number, timeoutSeconds = 3): Promise<boolean> {
  try {
    await host.exec('socat', ['-u', `OPEN:/dev/null`, `TCP:${target}:${port},connect-timeout=${timeoutSeconds}`], {
      timeoutMs: (timeoutSeconds + 5) * 1000,
    });
    return true;
  } catch {
    return false;
  }
}

export async function deployTopology(
  options: {
    /** More settings of the gateways, given the hosts' addresses. */
    gatewayEnv?: (address: (host: HostName) => string) => Record<string, string>;
    /** Settings put in Consul KV before any process starts (live settings can change later). */
    kv?: Record<string, string>;
    log?: (line: string) => void;
  } = {},
) {
  const log = options.log ?? (() => undefined);
  removeTopologyLeftovers();
  const reserved = reserveSubnet();
  topologySubnet = reserved.subnet;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-'));
  const logs: string[] = [];
  const cleanUps: (() => Promise<unknown>)[] = [];
  const processes = new Map<string, ManagedProcess>();
  let network: SimulatedNetwork | undefined;

  const destroy = async () => {
    for (const step of cleanUps.reverse()) await step().catch((error) => log(`clean-up: ${error}`));
    cleanUps.length = 0;
    fs.rmSync(root, { recursive: true, force: true });
    reserved.release();
  };

  try {
    const nginx = await ensureTool('nginx');
    log('network: bridge, hosts');
    network = await createNetwork({ prefix: names.namespacePrefix, bridge: names.bridge, linkPrefix: names.linkPrefix, subnet: reserved.subnet });
    const net = network;
    cleanUps.push(() => net.destroy());
    const hosts = {} as Record<HostName, SimulatedHost>;
    for (const [name, octet] of Object.entries(hostOctets) as [HostName, number][]) {
      const extra = name === 'client' ? [secondClientOctet] : name === 'orchestrator' ? [orchestratorServiceOctet] : [];
      hosts[name] = await net.addHost(name, octet, extra);
    }
    const servers = {} as Record<keyof typeof serverOctets, string>;
    for (const [name, octet] of Object.entries(serverOctets) as [keyof typeof serverOctets, number][]) {
      servers[name] = await net.addRootAddress(octet);
    }

    // The firewall first: nothing is reachable from a host that should not reach it, not even while starting.
    const allowed: Record<keyof typeof serverOctets, HostName[]> = {
      consul: ['gateway1', 'gateway2', 'orchestrator', 'supplier1', 'supplier2', 'carrier'],
      temporal: ['gateway1', 'gateway2', 'orchestrator', 'supplier1', 'supplier2', 'carrier'],
      redis: ['gateway1', 'gateway2'],
      storeDb: ['gateway1', 'gateway2', 'orchestrator'],
      supplierDb: ['supplier1', 'supplier2'],
      carrierDb: ['carrier'],
    };
    const rules = Object.entries(allowed).flatMap(([server, from]) => {
      const match = `iifname "${names.bridge}" ip daddr ${servers[server as keyof typeof servers]} ip saddr != { ${from.map(hostAddress).join(', ')} }`;
      // A refused connection for TCP (what these servers serve), silence for anything else.
      return [`    ${match} meta l4proto tcp reject with tcp reset`, `    ${match} drop`];
    });
    const ruleset = [
      `table inet ${names.firewallTable} {`,
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      '    ct state established,related accept',
      ...rules,
      '  }',
      '}',
      '',
    ].join('\n');
    const rulesFile = path.join(root, 'firewall.nft');
    fs.writeFileSync(rulesFile, ruleset);
    await run('nft', ['-f', rulesFile]);
    cleanUps.push(() => run('nft', ['delete', 'table', 'inet', names.firewallTable]));

    log('Redis, Consul, the databases, Temporal Server');
    const redisPort = await freePort();
    const redis = spawn(
      'redis-server',
      ['--bind', servers.redis, '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    keepLogs('redis', redis, logs);
    cleanUps.push(() => stopChild(redis));

    // ACLs on, every request without a token denied: the processes reach it with CONSUL_HTTP_TOKEN.
    const consul: ConsulAgent = await startConsulAgent({ host: servers.consul, aclToken: randomUUID() });
    const consulHeaders = { 'X-Consul-Token': consul.token! };
    cleanUps.push(async () => {
      await consul.stop();
      consul.remove();
    });
    for (const [name, value] of Object.entries(options.kv ?? {})) await putSetting(consul, name, value);

    const databases = {} as Record<DatabaseHost, { url: string; localUrl: string; drop(): Promise<void> }>;
    const databaseAddress: Record<DatabaseHost, string> = {
      store: servers.storeDb,
      supplier: servers.supplierDb,
      carrier: servers.carrierDb,
    };
    for (const name of ['store', 'supplier', 'carrier'] as const) {
      const created = await createEmptyDatabase('postgresql', name);
      cleanUps.push(() => created.drop());
      const url = new URL(created.url);
      url.hostname = databaseAddress[name];
      url.port = '5432';
      databases[name] = { url: url.toString(), localUrl: created.url, drop: created.drop };
    }
    const forwarders = new Map<DatabaseHost, ChildProcess>();
    const startForwarder = async (name: DatabaseHost) => {
      const local = new URL(databases[name].localUrl);
      const child = spawn(
        'socat',
        [`TCP-LISTEN:5432,bind=${databaseAddress[name]},fork,reuseaddr`, `TCP:${local.hostname}:${local.port || 5432}`],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      );
      keepLogs(`${name}-db`, child, logs);
      forwarders.set(name, child);
      reserved.noteChildren();
      // Listening once a connection is accepted.
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const ok = await run('socat', ['-u', 'OPEN:/dev/null', `TCP:${databaseAddress[name]}:5432,connect-timeout=1`])
          .then(() => true)
          .catch(() => false);
        if (ok) return;
        await sleep(100);
      }
      throw new Error(`the ${name} database forwarder does not listen`);
    };
    /** The database host goes away: the forwarder and every connection through it end at once. */
    const stopForwarder = async (name: DatabaseHost) => {
      const child = forwarders.get(name);
      if (child) await stopChild(child, 'SIGKILL', true);
    };
    for (const name of ['store', 'supplier', 'carrier'] as const) await startForwarder(name);
    cleanUps.push(async () => {
      for (const name of forwarders.keys()) await stopForwarder(name);
    });

    const temporal: TemporalCluster = await startTemporalCluster({ namespace: 'topology', host: servers.temporal });
    cleanUps.push(() => temporal.stop());
    reserved.noteChildren();

    const admin = { email: 'admin@example.com', password: 'admin-password-1' };
    // The service credential the owners' APIs ask for, the same on every host (as a Secret gives it to every pod).
    const serviceToken = randomBytes(24).toString('hex');
    // The payload keys, the same on every host too: each host's own local key would leave the others unable to read.
    const payloadKeys: PayloadKey[] = [{ id: 'topology', key: randomBytes(32) }];
    const consulAddress = consul.address;
    const baseEnv: Record<string, string | undefined> = {
      ...process.env,
      APP_ENV: 'dev',
      ...temporal.clientEnv(),
      CONSUL_HTTP_ADDR: consulAddress,
      CONSUL_HTTP_TOKEN: consul.token,
      DATABASE_URL: databases.store.url,
      SUPPLIER_DATABASE_URL: databases.supplier.url,
      CARRIER_DATABASE_URL: databases.carrier.url,
      SUPPLIER_URL: `http://${hostAddress('supplier1')}:${instances.supplier1.port}`,
      CARRIER_URL: `http://${hostAddress('carrier')}:${instances.carrier.port}`,
      PORT: String(instances.gateway1.port),
      SUPPLIER_PORT: String(instances.supplier1.port),
      CARRIER_PORT: String(instances.carrier.port),
      ORCHESTRATOR_PORT: String(instances.orchestrator.port),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      PURCHASE_CANCEL_WINDOW: '3s',
      ACTIVITY_RETRY_INITIAL_INTERVAL: '200ms',
      ACTIVITY_RETRY_MAX_INTERVAL: '1s',
      MAX_PURCHASES_IN_FLIGHT: '100000',
      MAX_WAITS_PER_USER: '1000',
      LOG_LEVEL: 'warn',
      SERVICE_TOKEN: serviceToken,
      PAYLOAD_KEYS: formatPayloadKeys(payloadKeys),
    };

    const envOf = (instance: InstanceName): NodeJS.ProcessEnv => {
      const { service, host } = instances[instance];
      const dataDir = path.join(root, 'data', instance);
      fs.mkdirSync(dataDir, { recursive: true });
      return {
        ...baseEnv,
        DATA_DIR: dataDir,
        // Each listens on its host's address; the orchestrator on every interface, registering SERVICE_ADDRESS.
        ...(instance === 'orchestrator'
          ? { SERVICE_HOST: '0.0.0.0', SERVICE_ADDRESS: registeredAddress(instance) }
          : { SERVICE_HOST: hostAddress(host) }),
        ...(service === 'gateway' ? { REDIS_URL: `redis://${servers.redis}:${redisPort}`, ...options.gatewayEnv?.(hostAddress) } : {}),
      };
    };

    const startInstance = (instance: InstanceName) => {
      const { service, host } = instances[instance];
      const entry = path.join(projectRoot, services.find((candidate) => candidate.name === service)!.entry);
      const child = hosts[host].spawn(process.execPath, [...tsxLoader, entry], { cwd: projectRoot, env: envOf(instance) });
      const managed: ManagedProcess = { name: instance, child, logs };
      keepLogs(instance, child, logs);
      processes.set(instance, managed);
      return child;
    };
    const stopInstance = async (instance: InstanceName, signal: NodeJS.Signals = 'SIGTERM') => {
      const managed = processes.get(instance);
      if (managed) await stopChild(managed.child, signal);
    };
    const running = (instance: InstanceName) => {
      const child = processes.get(instance)?.child;
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    };
    const instanceUrl = (instance: InstanceName) => `http://${hostAddress(instances[instance].host)}:${instances[instance].port}`;
    // Every process answers /ready: 200 once its database and Temporal answer.
    const readyPath = (_instance: InstanceName) => '/ready';

    async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await check().catch(() => false)) return;
        await sleep(250);
      }
      throw new Error(`${what} did not happen within ${timeoutMs / 1000}s. Last logs:\n${logs.slice(-60).join('\n')}`);
    }
    const answers200 = (url: string) => async () => (await fetch(url, { signal: AbortSignal.timeout(3_000) })).status === 200;
    /** On a timeout, says what the instance itself answers and logs: the shared log's tail is other processes' too. */
    const waitReady = async (instance: InstanceName, timeoutMs = 120_000) => {
      const url = `${instanceUrl(instance)}${readyPath(instance)}`;
      try {
        await waitUntil(`${instance} being ready`, answers200(url), timeoutMs);
      } catch (error) {
        const answer = await fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
          async (response) => `${response.status} ${await response.text()}`,
          (failure: unknown) => `no answer (${String(failure)})`,
        );
        const own = logs.filter((line) => line.startsWith(`[${instance}] `)).slice(-30);
        throw new Error(
          `${instance} being ready did not happen within ${timeoutMs / 1000}s (running: ${running(instance)}). ` +
            `${url} answers ${answer}. Its last logs:\n${own.join('\n')}\n\n${(error as Error).message}`,
        );
      }
    };

    cleanUps.push(async () => {
      for (const name of [...processes.keys()].reverse()) await stopInstance(name as InstanceName);
    });

    log('the services, each on its host');
    // The store's owner first: the gateway migrates the store; two suppliers on one database start one after the other.
    startInstance('gateway1');
    await waitReady('gateway1');
    startInstance('gateway2');
    startInstance('orchestrator');
    startInstance('supplier1');
    startInstance('carrier');
    await waitReady('supplier1');
    startInstance('supplier2');
    for (const instance of ['gateway2', 'orchestrator', 'supplier2', 'carrier'] as const) await waitReady(instance);

    // The gateways find the owners' APIs in Consul: ready once each has an instance whose check passed.
    for (const service of ['supplier', 'carrier']) {
      await waitUntil(`a ${service} passing in Consul`, async () => {
        const answer = await fetch(`http://${consul.address}/v1/health/service/${service}?passing=true`, { headers: consulHeaders });
        return ((await answer.json()) as unknown[]).length > 0;
      }, 30_000);
    }

    log('nginx on the edge host');
    const edgeAddress = hostAddress('edge');
    const nginxDir = path.join(root, 'nginx');
    fs.mkdirSync(nginxDir);
    const nginxConf = path.join(nginxDir, 'nginx.conf');
    fs.writeFileSync(
      nginxConf,
      [
        'worker_processes 1;',
        'daemon off;',
        'master_process on;',
        `pid ${nginxDir}/nginx.pid;`,
        `error_log ${nginxDir}/error.log warn;`,
        'events { worker_connections 1024; }',
        'http {',
        `  access_log off;`,
        `  client_body_temp_path ${nginxDir}/body;`,
        `  proxy_temp_path ${nginxDir}/proxy;`,
        `  fastcgi_temp_path ${nginxDir}/fastcgi;`,
        `  uwsgi_temp_path ${nginxDir}/uwsgi;`,
        `  scgi_temp_path ${nginxDir}/scgi;`,
        '  upstream gateways {',
        `    server ${hostAddress('gateway1')}:${instances.gateway1.port} max_fails=1 fail_timeout=2s;`,
        `    server ${hostAddress('gateway2')}:${instances.gateway2.port} max_fails=1 fail_timeout=2s;`,
        '    keepalive 16;',
        '  }',
        '  server {',
        `    listen ${edgeAddress}:80;`,
        '    location / {',
        '      proxy_pass http://gateways;',
        '      proxy_http_version 1.1;',
        '      proxy_set_header Connection "";',
        '      proxy_set_header Host $host;',
        '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        '      proxy_set_header X-Forwarded-Proto $scheme;',
        '      proxy_connect_timeout 1s;',
        '      proxy_read_timeout 60s;',
        '      proxy_next_upstream error timeout;',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const proxy = hosts.edge.spawn(nginx, ['-c', nginxConf, '-p', nginxDir]);
    keepLogs('nginx', proxy, logs);
    cleanUps.push(() => stopChild(proxy, 'SIGQUIT'));
    const edgeUrl = `http://${edgeAddress}`;
    await waitUntil('nginx answering', answers200(`${edgeUrl}/health`), 30_000);

    /** A host goes away: its link drops (packets to it vanish) and its processes die. */
    const hostDown = async (host: HostName) => {
      await run('ip', ['link', 'set', `${names.linkPrefix}v${hostOctets[host]}`, 'down']);
      for (const [name, { host: on }] of Object.entries(instances)) {
        if (on === host) await stopInstance(name as InstanceName, 'SIGKILL');
      }
    };
    /** It comes back: the link is up again and its processes start. */
    const hostUp = async (host: HostName) => {
      await run('ip', ['link', 'set', `${names.linkPrefix}v${hostOctets[host]}`, 'up']);
      for (const [name, { host: on }] of Object.entries(instances)) if (on === host) startInstance(name as InstanceName);
    };

    return {
      root,
      hosts,
      servers,
      consul,
      consulHeaders,
      redisPort,
      temporal,
      databases,
      admin,
      serviceToken,
      payloadKeys,
      edgeUrl,
      logs,
      instanceUrl,
      waitUntil,
      waitReady,
      startInstance,
      stopInstance,
      running,
      /** The operating-system id of an instance's process now. */
      pid: (instance: InstanceName) => processes.get(instance)?.child.pid,
      hostDown,
      hostUp,
      databaseAway: stopForwarder,
      databaseBack: startForwarder,
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
export type Topology = Awaited<ReturnType<typeof deployTopology>>;
