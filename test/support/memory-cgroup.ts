import fs from 'node:fs';
import path from 'node:path';

export interface MemoryCgroup {
  /** A command that puts the process it runs in the cgroup, then execs it: `[...prefix, program, ...args]`. */
  prefix: string[];
  /** Removes the cgroup once every process in it has exited. */
  remove(): Promise<void>;
}

const v2Root = '/sys/fs/cgroup';
const v1Memory = '/sys/fs/cgroup/memory';

function words(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A memory cgroup limited to `limitBytes`, as a container's memory limit is (Kubernetes' `resources.limits.memory`):
 * a process started through `prefix` runs in it, and Node.js sizes its heap from that limit as it does in a
 * container. cgroup v2 (`memory.max`) where the unified hierarchy has the memory controller, else v1
 * (`memory.limit_in_bytes`); as root.
 */
export function memoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  if (process.getuid?.() !== 0) throw new Error('a memory cgroup needs root');
  const v2 = words(path.join(v2Root, 'cgroup.controllers')).includes('memory');
  if (!v2 && !fs.existsSync(path.join(v1Memory, 'memory.limit_in_bytes'))) {
    throw new Error('this machine mounts no memory cgroup controller, neither cgroup v2 nor v1');
  }
  if (v2 && !words(path.join(v2Root, 'cgroup.subtree_control')).includes('memory')) {
    fs.writeFileSync(path.join(v2Root, 'cgroup.subtree_control'), '+memory');
  }
  const dir = path.join(v2 ? v2Root : v1Memory, `${name}-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limitBytes));
  return {
    prefix: ['sh', '-c', `echo $$ > ${dir}/cgroup.procs && exec "$0" "$@"`],
    async remove() {
      // The kernel refuses while a process is still in it; one that was just killed leaves it a moment later.
      for (let attempt = 1; ; attempt += 1) {
        try {
          fs.rmdirSync(dir);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          if (attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
  };
}
