import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Simulated hosts: Linux network namespaces on a private bridge that exists only while a test runs (as root). Each host
 * has its own `lo` and an `eth0` on the bridge with an address of its own; the root namespace keeps the bridge's
 * addresses (the infrastructure's hosts, see `addRootAddress`). Every name starts with the network's prefix, so
 * `removeLeftovers` finds what a crashed run left behind.
 */
export interface SimulatedHost {
  name: string;
  /** The namespace's name (`ip netns exec <namespace> …`). */
  namespace: string;
  address: string;
  /** Further addresses on its eth0 (a second client on the same host). */
  extraAddresses: string[];
  /** Starts a long-running process on this host, under the host's own name (a UTS namespace of its own). */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command on this host to its end; rejects when it exits non-zero. */
  exec(command: string, args: string[], options?: { timeoutMs?: number; input?: string }): Promise<{ stdout: string; stderr: string }>;
}

export interface SimulatedNetwork {
  bridge: string;
  /** The first three octets, e.g. "10.213.0". */
  subnet: string;
  /** The root namespace's address on the bridge (the test's own host). */
  rootAddress: string;
  hosts: Map<string, SimulatedHost>;
  /** A host of its own (a namespace) at `<subnet>.<octet>`. */
  addHost(name: string, octet: number, extraOctets?: number[]): Promise<SimulatedHost>;
  /** One more address of the root namespace on the bridge, for a server that runs there but is a host of its own. */
  addRootAddress(octet: number): Promise<string>;
  /** Kills every process left in the hosts, deletes them and the bridge: reverse order. */
  destroy(): Promise<void>;
}

const ip = (...args: string[]) => run('ip', args, { timeout: 15_000 });

function listNamespaces(prefix: string): string[] {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0]!.trim())
      .filter((name) => name.startsWith(prefix));
  } catch {
    return [];
  }
}

/** Kills (SIGKILL) every process running in a namespace: a namespace deleted with processes in it lives on. */
function killNamespaceProcesses(namespace: string) {
  let pids: string[] = [];
  try {
    pids = execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Deletes the namespaces, their processes and the bridge that an earlier run with this prefix left behind. */
export function removeLeftovers(prefix: string, bridge: string) {
  for (const namespace of listNamespaces(prefix)) {
    killNamespaceProcesses(namespace);
    try {
      execFileSync('ip', ['netns', 'del', namespace]);
    } catch {
      // gone meanwhile
    }
  }
  try {
    execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  } catch {
    // there was none
  }
}

/**
 * `prefix` starts every namespace's name, `bridge` names the bridge and `linkPrefix` (a few characters) the veth pairs'
 * ends (`<linkPrefix>v<octet>` on the bridge); names left from before under them are deleted first.
 */
export async function createNetwork(options: { prefix: string; bridge: string; linkPrefix: string; subnet: string }): Promise<SimulatedNetwork> {
  if (process.getuid?.() !== 0) throw new Error('simulated hosts need root (network namespaces and a bridge)');
  const { prefix, bridge, linkPrefix, subnet } = options;
  removeLeftovers(prefix, bridge);
  const rootAddress = `${subnet}.1`;
  await ip('link', 'add', bridge, 'type', 'bridge');
  await ip('addr', 'add', `${rootAddress}/24`, 'dev', bridge);
  await ip('link', 'set', bridge, 'up');
  const hosts = new Map<string, SimulatedHost>();
  const created: string[] = [];

  const network: SimulatedNetwork = {
    bridge,
    subnet,
    rootAddress,
    hosts,
    async addHost(name, octet, extraOctets = []) {
      const namespace = `${prefix}${name}`;
      // Interface names are at most 15 characters.
      const outside = `${linkPrefix}v${octet}`;
      const inside = `${linkPrefix}p${octet}`;
      await ip('netns', 'add', namespace);
      created.push(namespace);
      await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      await ip('link', 'set', outside, 'master', bridge);
      await ip('link', 'set', outside, 'up');
      await ip('link', 'set', inside, 'netns', namespace);
      const inNs = (...args: string[]) => ip('netns', 'exec', namespace, 'ip', ...args);
      await inNs('link', 'set', inside, 'name', 'eth0');
      const address = `${subnet}.${octet}`;
      await inNs('addr', 'add', `${address}/24`, 'dev', 'eth0');
      const extraAddresses = extraOctets.map((extra) => `${subnet}.${extra}`);
      for (const extra of extraAddresses) await inNs('addr', 'add', `${extra}/24`, 'dev', 'eth0');
      await inNs('link', 'set', 'eth0', 'up');
      await inNs('link', 'set', 'lo', 'up');
      const host: SimulatedHost = {
        name,
        namespace,
        address,
        extraAddresses,
        // `ip netns exec`, `unshare` and `sh` each exec the next: the process started is the command itself.
        spawn: (command, args, spawnOptions = {}) =>
          spawn(
            'ip',
            ['netns', 'exec', namespace, 'unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', namespace, command, ...args],
            { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions, env: { ...(spawnOptions.env ?? process.env), HOSTNAME: namespace } },
          ),
        exec: (command, args, execOptions = {}) =>
          new Promise((resolve, reject) => {
            const child = execFile(
              'ip',
              ['netns', 'exec', namespace, command, ...args],
              { timeout: execOptions.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
              (error, stdout, stderr) => (error ? reject(Object.assign(error, { stdout, stderr })) : resolve({ stdout, stderr })),
            );
            if (execOptions.input !== undefined) child.stdin?.end(execOptions.input);
          }),
      };
      hosts.set(name, host);
      return host;
    },
    async addRootAddress(octet) {
      const address = `${subnet}.${octet}`;
      await ip('addr', 'add', `${address}/24`, 'dev', bridge);
      return address;
    },
    async destroy() {
      for (const namespace of created.reverse()) {
        killNamespaceProcesses(namespace);
        await ip('netns', 'del', namespace).catch(() => undefined);
      }
      // Deleting a namespace deletes its end of each veth pair, and with it the other end.
      await ip('link', 'del', bridge).catch(() => undefined);
    },
  };
  return network;
}
