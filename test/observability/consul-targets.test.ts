import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { consulTargets, syncConsulTargets } from '../../observability/consul-targets';
import { ensureTool } from '../../scripts/tools';
import { freePort } from '../../harness/system';

/** A real Consul dev agent on free ports, with instances registered as the services register themselves. */
describe("Prometheus' targets from Consul's catalog", () => {
  let consul: ChildProcess;
  let address: string;

  beforeAll(async () => {
    const binary = await ensureTool('consul');
    const [http, server, lan, wan] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    address = `127.0.0.1:${http}`;
    consul = spawn(
      binary,
      ['agent', '-dev', '-bind=127.0.0.1', '-client=127.0.0.1', `-http-port=${http}`, '-dns-port=-1', '-grpc-port=-1',
        `-server-port=${server}`, `-serf-lan-port=${lan}`, `-serf-wan-port=${wan}`, '-log-level=error'],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; ; attempt++) {
      if (attempt > 200) throw new Error(`Consul at ${address} elected no leader`);
      const leader = await fetch(`http://${address}/v1/status/leader`).then((r) => r.text()).catch(() => '');
      if (leader.includes(':')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const register = (id: string, name: string, port: number) =>
      fetch(`http://${address}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify({ ID: id, Name: name, Address: '127.0.0.1', Port: port }),
      });
    for (const [id, name, port] of [['supplier-1', 'supplier', 4101], ['supplier-2', 'supplier', 4102], ['orchestrator-1', 'orchestrator', 4103]] as const) {
      expect((await register(id, name, port)).status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    if (consul && consul.exitCode === null) {
      const exited = new Promise((resolve) => consul.once('exit', resolve));
      consul.kill('SIGTERM');
      await exited;
    }
  });

  it('lists every instance of each service under its job, and none for a service not registered', async () => {
    const groups = await consulTargets(address);
    const byJob = Object.fromEntries(groups.map((group) => [group.labels.job, [...group.targets].sort()]));
    expect(byJob).toEqual({
      gateway: [],
      orchestrator: ['127.0.0.1:4103'],
      supplier: ['127.0.0.1:4101', '127.0.0.1:4102'],
      carrier: [],
    });
  });

  it('writes them to the file Prometheus reads', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'consul-targets-')), 'targets.json');
    const stop = syncConsulTargets(`http://${address}`, file, 60_000);
    try {
      for (let i = 0; i < 40 && fs.readFileSync(file, 'utf8') === '[]'; i++) await new Promise((r) => setTimeout(r, 100));
      const groups = JSON.parse(fs.readFileSync(file, 'utf8')) as { targets: string[]; labels: { job: string } }[];
      expect(groups.find((group) => group.labels.job === 'supplier')?.targets.sort()).toEqual(['127.0.0.1:4101', '127.0.0.1:4102']);
    } finally {
      stop();
    }
  });
});
