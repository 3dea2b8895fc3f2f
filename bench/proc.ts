import fs from 'node:fs';

/** What /proc says of a process, for the benchmarks' figures; undefined once the process is gone. */

/** CPU seconds (user and system, all its threads) a process has used so far. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    // utime and stime, the 14th and 15th fields, counted after the command name's closing parenthesis.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}
const clockTicksPerSecond = 100;

/** Resident memory (VmRSS) in MB. */
export function rssMb(pid: number | undefined): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Starts counting the CPU time of some processes; the returned function answers the milliseconds each has used since
 * (all threads), leaving out a process that is gone.
 */
export function cpuMeter(pids: Record<string, number | undefined>): () => Record<string, number> {
  const atStart = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  return () => {
    const used: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) {
      const [before, after] = [atStart[name], cpuSeconds(pid)];
      if (before !== undefined && after !== undefined) used[name] = (after - before) * 1000;
    }
    return used;
  };
}

/** Resident memory split as the kernel counts it (MB): anonymous (heaps, the SDK's core, threads) and file pages (code). */
export function rssPartsMb(pid: number | undefined): { rss: number; anon: number; file: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
  } catch {
    return undefined;
  }
}

/** The process listening on a local TCP port (a Temporal server this benchmark did not start), if it is this host's. */
export function listenerPid(port: number): number | undefined {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local address, state 0A (LISTEN), inode
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(fields[9]!);
      }
    }
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
          const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '')) return Number(pid);
        }
      } catch {
        // gone, or not ours to read
      }
    }
  } catch {
    // no /proc/net
  }
  return undefined;
}
