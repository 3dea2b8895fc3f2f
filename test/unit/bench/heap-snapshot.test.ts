import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { heapSnapshotFlags, liveHeapMb, takeHeapSnapshot } from '../../../bench/heap-snapshot';

/** A real Node.js process holding `liveMb` of reachable objects and as much garbage, until killed. */
async function holding(dir: string, liveMb: number): Promise<ChildProcess> {
  const script =
    // 1 MB each: 131072 unboxed doubles.
    `const megabyte = (i) => new Array(131072).fill(i + 0.5);` +
    `globalThis.kept = Array.from({ length: ${liveMb} }, (_, i) => megabyte(i));` +
    `let garbage = Array.from({ length: ${liveMb} }, (_, i) => megabyte(i)); garbage = undefined;` +
    "console.log('ready'); setInterval(() => undefined, 1000);";
  const child = spawn(process.execPath, [...heapSnapshotFlags(dir), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    child.stdout!.on('data', (chunk) => String(chunk).includes('ready') && resolve());
  });
  return child;
}

describe('heap snapshots for bench:memory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heap-snapshots-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    children.forEach((child) => child.kill('SIGKILL'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("measures a process's live objects, not its garbage", async () => {
    const small = await holding(dir, 1);
    const large = await holding(dir, 40);
    children.push(small, large);
    const smallLive = liveHeapMb(await takeHeapSnapshot(small.pid!, dir));
    const largeLive = liveHeapMb(await takeHeapSnapshot(large.pid!, dir));
    // 39 MB more kept; the 40 MB of garbage beside it is collected before the snapshot is written.
    expect(largeLive - smallLive).toBeGreaterThan(38);
    expect(largeLive - smallLive).toBeLessThan(45);
  }, 60_000);
});
