import { spawn, type ChildProcess } from 'node:child_process';
import { ensureTool } from '../../scripts/tools';
import { freePort } from './system';

/** A real Consul agent in dev mode (state in memory), every port free so that agents of parallel tests never clash. */
export interface ConsulAgent {
  /** `host:port` of the HTTP API, as `CONSUL_HTTP_ADDR` takes it. */
  address: string;
  stop(): Promise<void>;
}

/** `httpPort` starts it again where an earlier agent was, as an agent restarted by its operator would be. */
export async function startConsulAgent(options: { httpPort?: number } = {}): Promise<ConsulAgent> {
  const binary = await ensureTool('consul');
  const [http, server, lan, wan] = await Promise.all([options.httpPort ?? freePort(), freePort(), freePort(), freePort()]);
  const address = `127.0.0.1:${http}`;
  const agent: ChildProcess = spawn(
    binary,
    ['agent', '-dev', '-bind=127.0.0.1', '-client=127.0.0.1', `-http-port=${http}`, '-dns-port=-1', '-grpc-port=-1',
      '-grpc-tls-port=-1', `-server-port=${server}`, `-serf-lan-port=${lan}`, `-serf-wan-port=${wan}`,
      '-log-level=error'],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    if (agent.exitCode !== null || agent.signalCode !== null) return;
    const exited = new Promise((resolve) => agent.once('exit', resolve));
    agent.kill('SIGTERM');
    await exited;
  };
  for (let attempt = 0; ; attempt++) {
    if (agent.exitCode !== null) throw new Error(`Consul exited with code ${agent.exitCode} before answering`);
    if (attempt > 240) {
      await stop();
      throw new Error(`Consul at ${address} elected no leader`);
    }
    const leader = await fetch(`http://${address}/v1/status/leader`).then((r) => r.text()).catch(() => '');
    if (leader.includes(':')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { address, stop };
}
