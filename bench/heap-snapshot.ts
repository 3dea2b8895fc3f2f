import fs from 'node:fs';
import path from 'node:path';

/**
 * Heap snapshots of a running service, for `npm run bench:memory -- --heap-snapshots DIR`. The service runs with
 * `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR`; V8 collects all garbage before it writes one, so a snapshot
 * holds the live objects alone, the figure that tells a heap's live set from what V8 has yet to collect.
 */
export const heapSnapshotFlags = (dir: string) => ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];

/** Asks the process for a snapshot and answers its file once written (Node names it with the pid). */
export async function takeHeapSnapshot(pid: number, dir: string, timeoutMs = 120_000): Promise<string> {
  const ours = (name: string) => name.endsWith('.heapsnapshot') && name.split('.').includes(String(pid));
  const before = new Set(fs.readdirSync(dir).filter(ours));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const file = fs.readdirSync(dir).find((name) => ours(name) && !before.has(name));
    if (!file) continue;
    const size = fs.statSync(path.join(dir, file)).size;
    // Written in one pass: complete once its size holds still and it ends its JSON.
    if (size > 0 && size === lastSize && endsJson(path.join(dir, file))) return path.join(dir, file);
    lastSize = size;
  }
  throw new Error(`process ${pid} wrote no heap snapshot in ${timeoutMs / 1000} s`);
}

function endsJson(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const { size } = fs.fstatSync(fd);
    const tail = Buffer.alloc(Math.min(size, 16));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    return tail.toString().trimEnd().endsWith('}');
  } finally {
    fs.closeSync(fd);
  }
}

/** The live objects' size in MB: the sum of every node's own size in the snapshot. */
export function liveHeapMb(file: string): number {
  const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[] } };
    nodes: number[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const selfSize = fields.indexOf('self_size');
  let bytes = 0;
  for (let index = selfSize; index < snapshot.nodes.length; index += fields.length) bytes += snapshot.nodes[index]!;
  return bytes / 1048576;
}
