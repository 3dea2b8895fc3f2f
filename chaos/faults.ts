import { spawn } from 'node:child_process';
import { loadConfig } from '../config';
import type { DatabaseName } from '../prisma/databases';
import { freePort, type RunningSystem, type ServiceName } from '../harness/system';
import type { RoundRobinProxy, TcpProxy } from './tcp-proxy';

export interface InjectedFault {
  /** Milliseconds since the run started. */
  at: number;
  fault: string;
  detail: string;
}

export type Fault =
  | { kind: 'kill-worker'; service: Exclude<ServiceName, 'gateway'>; downMs: number }
  | { kind: 'restart-temporal'; downMs: number }
  | { kind: 'database-away'; database: DatabaseName; awayMs: number }
  | { kind: 'second-instance'; service: Exclude<ServiceName, 'gateway'> }
  | { kind: 'kill-one-of-two'; service: ServiceName }
  /** kill -9 of the gateway while purchases are being submitted; restarted after `downMs`. */
  | { kind: 'kill-gateway'; downMs: number }
  /** A second gateway behind the clients' one address (the round-robin proxy). */
  | { kind: 'second-gateway' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const portVariable: Record<string, string | undefined> = {
  supplier: 'SUPPLIER_PORT',
  carrier: 'CARRIER_PORT',
  orchestrator: 'ORCHESTRATOR_PORT',
};

/** Injects faults into a running system, each at its time, and remembers what it did. */
export function createFaultInjector(
  system: RunningSystem,
  startedAt: number,
  proxies: Partial<Record<DatabaseName, TcpProxy>> = {},
  /** The one address clients send to, in front of the gateways. */
  gateways?: RoundRobinProxy,
) {
  const injected: InjectedFault[] = [];
  const note = (fault: string, detail: string) => injected.push({ at: Date.now() - startedAt, fault, detail });

  const secondInstance = (service: string) => `${service}#2`;
  // Killing the second gateway waits until it serves: on a loaded machine its start may outlast the fault's offset.
  let secondGatewayServing: Promise<void> | undefined;

  async function inject(fault: Fault): Promise<void> {
    switch (fault.kind) {
      case 'kill-worker': {
        await system.stopProcess(fault.service, 'SIGKILL');
        note('kill -9', `${fault.service}, restarted after ${fault.downMs} ms`);
        await sleep(fault.downMs);
        system.startService(fault.service);
        return;
      }
      case 'restart-temporal': {
        await system.stopProcess('temporal', 'SIGTERM');
        note('stop Temporal', `dev server down ${fault.downMs} ms, restarted on the same state file`);
        await sleep(fault.downMs);
        await system.startTemporal();
        return;
      }
      case 'database-away': {
        const proxy = proxies[fault.database];
        if (proxy) {
          note('database away', `${fault.database} database stops answering for ${fault.awayMs} ms`);
          await proxy.pause(fault.awayMs);
        } else {
          note('database away', `${fault.database} database locked for ${fault.awayMs} ms`);
          await holdSqliteFile(system, fault.database, fault.awayMs);
        }
        return;
      }
      case 'second-instance': {
        const port = portVariable[fault.service];
        system.startService(fault.service, {
          instance: secondInstance(fault.service),
          env: port ? { [port]: '0' } : {},
        });
        note('second instance', `${fault.service}#2 polls the same task queue`);
        return;
      }
      case 'kill-gateway': {
        await system.stopProcess('gateway', 'SIGKILL');
        note('kill -9', `gateway, restarted after ${fault.downMs} ms`);
        await sleep(fault.downMs);
        system.startService('gateway');
        return;
      }
      case 'second-gateway': {
        if (!gateways) throw new Error('a second gateway needs the round-robin proxy in front of the first');
        const port = await freePort();
        system.startService('gateway', { instance: secondInstance('gateway'), env: { PORT: String(port) } });
        secondGatewayServing = system.waitUntil(
          'the second gateway being ready',
          async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok,
          180_000,
        );
        await secondGatewayServing;
        gateways.add({ host: '127.0.0.1', port });
        note('second instance', 'gateway#2 behind the same address as the first');
        return;
      }
      case 'kill-one-of-two': {
        if (fault.service === 'gateway') await secondGatewayServing;
        await system.stopProcess(secondInstance(fault.service), 'SIGKILL');
        note('kill -9', `${fault.service}#2, one of two instances`);
        return;
      }
    }
  }

  /** Runs the schedule: each fault at its offset from the start. */
  async function run(schedule: { atMs: number; fault: Fault }[]) {
    await Promise.all(
      schedule.map(async ({ atMs, fault }) => {
        await sleep(Math.max(0, startedAt + atMs - Date.now()));
        await inject(fault);
      }),
    );
  }

  return { run, inject, injected };
}

/**
 * Makes an SQLite database refuse writes for a while: another process holds the file's write lock, so every write
 * meets SQLITE_BUSY: activities fail their attempt and Temporal retries them, a gateway request that writes answers
 * 503; reads go on (WAL mode). (A server database goes through a TCP proxy that pauses instead.) Resolves once the
 * lock is released.
 */
export async function holdSqliteFile(system: RunningSystem, database: DatabaseName, awayMs: number) {
  const url = databaseUrl(system, database);
  if (!url.startsWith('file:')) throw new Error(`no proxy in front of ${database}'s database, and it is not SQLite`);
  const file = url.slice('file:'.length);
  const script = `
    const db = require('better-sqlite3')(process.argv[1], { timeout: 30000 });
    db.exec('BEGIN EXCLUSIVE');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));
  `;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, file, String(awayMs)], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the database lock exited with ${code}`))));
  });
}

/** The URL a service of the running system uses, as its own configuration resolves it. */
export function databaseUrl(system: RunningSystem, database: DatabaseName): string {
  return loadConfig(system.env).databases[database];
}
