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
