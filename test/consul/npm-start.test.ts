import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../net/ports';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { portAnswers, startTemporalDevServer, waitForPort } from '../../launch/temporal-dev-server';
import { startConsulAgent, type ConsulAgent } from '../support/consul-agent';
import { startNpmStart } from '../support/npm-start';

const services = ['gateway', 'orchestrator', 'supplier', 'carrier'] as const;

/**
 * The real `npm start -- --with consul`, every port a free one: its Temporal is a dev server of the test's own (npm start
 * starts none for a TEMPORAL_ADDRESS), its Consul the agent at CONSUL_HTTP_ADDR. Ctrl-C is a SIGINT to its process
 * group, as a terminal sends it.
 */
describe('npm start -- --with consul', () => {
  let temporal: ChildProcess;
  let temporalAddress: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-consul-'));

  beforeAll(async () => {
    const [port, uiPort] = await Promise.all([freePort(), freePort()]);
    temporalAddress = `127.0.0.1:${port}`;
    temporal = startTemporalDevServer(await ensureTemporalCli(), {
      address: temporalAddress,
      uiPort,
      namespace: 'default',
      dbFile: path.join(dataDir, 'temporal.db'),
      pipeOutput: true,
    });
    await waitForPort('127.0.0.1', port, 120_000);
  }, 180_000);

  afterAll(async () => {
    if (temporal && temporal.exitCode === null) {
      const exited = new Promise((resolve) => temporal.once('exit', resolve));
      temporal.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const npmStart = (consulAddress: string) =>
    startNpmStart({
      temporalAddress,
      dataDir: fs.mkdtempSync(path.join(dataDir, 'run-')),
      args: ['--with', 'consul'],
      viaNpm: true,
      // The registration's own lines ("Deregistered from Consul") are at info.
      env: { CONSUL_HTTP_ADDR: consulAddress, LOG_LEVEL: 'info' },
    });

  /** The instances of each process that pass their checks in the agent's catalog, by port. */
  async function passing(address: string): Promise<Record<string, number[]>> {
    const entries = await Promise.all(
      services.map(async (name) => {
        const answer = await fetch(`http://${address}/v1/health/service/${name}?passing`);
        const list = (await answer.json()) as { Service: { Port: number } }[];
        return [name, list.map((entry) => entry.Service.Port)] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async function waitForAllPassing(address: string, ports: Record<(typeof services)[number], number>, running: () => boolean) {
    const expected = Object.fromEntries(services.map((name) => [name, [ports[name]]]));
    const deadline = Date.now() + 150_000;
    let seen: Record<string, number[]> = {};
    while (Date.now() < deadline && running()) {
      seen = await passing(address).catch(() => ({}));
      if (JSON.stringify(seen) === JSON.stringify(expected)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(seen).toEqual(expected);
  }

  it('starts its agent on the port CONSUL_HTTP_ADDR names; the four processes pass there, deregister on Ctrl-C, and the agent stops last', async () => {
    const consulPort = await freePort();
    const address = `127.0.0.1:${consulPort}`;
    expect(await portAnswers('127.0.0.1', consulPort)).toBe(false);
    const start = await npmStart(address);
    try {
      await waitForAllPassing(address, start.ports, start.running);
      expect(start.output()).toContain(`\n  Consul UI http://${address}\n`);
    } finally {
      await start.ctrlC();
    }
    // The agent answered each deregistration: it was stopped after the processes, not by the Ctrl-C itself.
    for (const name of services) {
      const deregistered = start.output().match(new RegExp(`\\[${name}\\].*Deregistered from Consul`, 'g'));
      expect({ name, deregistered: deregistered?.length }).toEqual({ name, deregistered: 1 });
    }
    expect(start.output()).toContain('[start] all processes stopped');
    expect(await portAnswers('127.0.0.1', consulPort)).toBe(false);
  }, 300_000);

  describe('with an agent already answering at CONSUL_HTTP_ADDR', () => {
    let consul: ConsulAgent;

    beforeAll(async () => {
      consul = await startConsulAgent();
    }, 120_000);

    afterAll(async () => {
      await consul?.stop();
      consul?.remove();
    }, 60_000);

    it('uses that agent: the four processes pass in its catalog, and are gone from it after Ctrl-C', async () => {
      const start = await npmStart(`http://${consul.address}`);
      try {
        await waitForAllPassing(consul.address, start.ports, start.running);
        expect(start.output()).not.toMatch(/^\[consul\]/m);
      } finally {
        await start.ctrlC();
      }
      expect(await passing(consul.address)).toEqual(Object.fromEntries(services.map((name) => [name, []])));
    }, 300_000);
  });
});
