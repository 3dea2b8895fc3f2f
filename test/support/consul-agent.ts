import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTool } from '../../scripts/tools';
import { freePort } from '../../harness/system';

/**
 * A real Consul agent: one server that elects itself, every port free so that agents of parallel tests never clash,
 * its state (catalog, KV) in a data folder of its own, so that a restart on that folder keeps it as a production
 * agent's restart does.
 */
export interface ConsulAgent {
  /** `host:port` of the HTTP API, as `CONSUL_HTTP_ADDR` takes it. */
  address: string;
  httpPort: number;
  dataDir: string;
  /** The management token when ACLs are on (every request without a token is denied). */
  token?: string;
  stop(): Promise<void>;
  /** kill -9: no leave, no clean-up. */
  kill(): Promise<void>;
  /** The folder is removed after `stop`; keep it to start another agent on it. */
  remove(): void;
}

/**
 * `httpPort` starts it again where an earlier agent was, as an agent restarted by its operator would be; `dataDir`
 * gives it that agent's state (omit it for an agent that starts empty).
 */
export async function startConsulAgent(
  options: {
    httpPort?: number;
    dataDir?: string;
    /** The address it binds and serves on (default 127.0.0.1). */
    host?: string;
    /** ACLs on, default deny, with this management token (a UUID). */
    aclToken?: string;
  } = {},
): Promise<ConsulAgent> {
  const host = options.host ?? '127.0.0.1';
  const binary = await ensureTool('consul');
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'consul-agent-'));
  const [http, server, lan, wan] = await Promise.all([options.httpPort ?? freePort(), freePort(), freePort(), freePort()]);
  const address = `${host}:${http}`;
  const agent: ChildProcess = spawn(
    binary,
    ['agent', '-server', '-bootstrap-expect=1', `-data-dir=${dataDir}`, '-node=test-agent', `-bind=${host}`,
      `-client=${host}`, `-http-port=${http}`, '-dns-port=-1', '-grpc-port=-1', '-grpc-tls-port=-1',
      `-server-port=${server}`, `-serf-lan-port=${lan}`, `-serf-wan-port=${wan}`, '-log-level=error',
      ...(options.aclToken
        ? ['-hcl', `acl { enabled = true, default_policy = "deny", enable_token_persistence = false, tokens { initial_management = "${options.aclToken}", agent = "${options.aclToken}" } }`]
        : [])],
    { stdio: 'ignore' },
  );
  const ended = () => agent.exitCode !== null || agent.signalCode !== null;
  const end = async (signal: NodeJS.Signals) => {
    if (ended()) return;
    const exited = new Promise((resolve) => agent.once('exit', resolve));
    agent.kill(signal);
    await exited;
  };
  for (let attempt = 0; ; attempt++) {
    if (agent.exitCode !== null) throw new Error(`Consul exited with code ${agent.exitCode} before answering`);
    if (attempt > 240) {
      await end('SIGKILL');
      throw new Error(`Consul at ${address} elected no leader`);
    }
    const leader = await fetch(`http://${address}/v1/status/leader`).then((r) => r.text()).catch(() => '');
    // With ACLs, ready once its ACL system answers the management token too.
    const acl = options.aclToken
      ? await fetch(`http://${address}/v1/acl/token/self`, { headers: { 'X-Consul-Token': options.aclToken } })
          .then((r) => r.ok)
          .catch(() => false)
      : true;
    if (leader.includes(':') && acl) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    address,
    httpPort: http,
    dataDir,
    token: options.aclToken,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    remove: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Sets `purchase-saga/<appEnv>/<name>` in the agent's KV. */
export async function putSetting(agent: Pick<ConsulAgent, 'address'> & { token?: string }, name: string, value: string, appEnv = 'dev') {
  const answer = await fetch(`http://${agent.address}/v1/kv/purchase-saga/${appEnv}/${name}`, {
    method: 'PUT',
    body: value,
    headers: agent.token ? { 'X-Consul-Token': agent.token } : {},
  });
  if (!answer.ok) throw new Error(`Consul refused KV ${name}: ${answer.status}`);
}
