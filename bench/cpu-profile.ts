/**
 * Reads V8 CPU profiles (`node --cpu-prof`) and says where a process's JavaScript threads spent their time within a
 * window: by package or project folder, and by function.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  /** Microseconds on the system's monotonic clock, the one `process.hrtime` reads. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** What a profile's file name says: `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`. */
export function profileFileOwner(fileName: string): { pid: number; thread: number } | undefined {
  const match = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(path.basename(fileName));
  return match ? { pid: Number(match[1]), thread: Number(match[2]) } : undefined;
}

/**
 * Who a frame's work is for. A package's name for code in node_modules, a folder for the project's own code; Node.js's
 * built-ins, V8's native functions and WebAssembly have no owner of their own (undefined): their time goes to the
 * nearest caller that has one.
 */
export function frameOwner(url: string, projectRoot: string): string | undefined {
  if (!url || url.startsWith('node:') || url.startsWith('wasm://')) return undefined;
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  // The innermost node_modules: a package's own dependency is a package of its own.
  const inPackage = [...file.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].pop();
  if (inPackage) return inPackage[1];
  // The Temporal SDK's sandbox: the workflow bundle (its workflow runtime and the workflows) and the glue it evaluates.
  if (/(workflow-bundle[^/]*|\/build\/workflows\/bundle)\.js$/.test(file)) return 'workflow bundle';
  if (file.startsWith('evalmachine.')) return 'workflow sandbox (vm)';
  if (file.startsWith(`${projectRoot}/`)) return `${path.relative(projectRoot, file).split('/')[0]}/ (project)`;
  // Anything else that is not a file (V8 names some native functions by their source text) counts for its caller.
  return file.startsWith('/') ? path.basename(file) : undefined;
}

const notWork = new Set(['(idle)', '(root)']);
const vmWork = new Map([
  ['(garbage collector)', 'V8 garbage collection'],
  ['(program)', 'V8 and native code outside JavaScript'],
]);

export interface Breakdown {
  /**
   * Microseconds the thread was busy (not idle) inside the window. V8 samples on wall-clock time: a busy thread that
   * the operating system has descheduled counts too, so on a saturated machine this exceeds its CPU time.
   */
  totalUs: number;
  byOwner: Map<string, number>;
  /** Self time by function, `name (owner file:line)`. */
  byFunction: Map<string, number>;
}

export const emptyBreakdown = (): Breakdown => ({ totalUs: 0, byOwner: new Map(), byFunction: new Map() });

/**
 * Adds the samples of `profile` taken within [fromUs, toUs] to `into`. A sample's time is the interval to the next one;
 * it counts for the sampled function (self time) and for the owner of the nearest frame that has one, WebAssembly's
 * time named as such (e.g. "@prisma/client (WebAssembly)").
 */
export function addProfile(into: Breakdown, profile: CpuProfile, fromUs: number, toUs: number, projectRoot: string): Breakdown {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ownerOf = new Map<number, string>();
  const owner = (id: number): string => {
    const known = ownerOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    let found = vmWork.get(name) ?? frameOwner(node.callFrame.url, projectRoot);
    if (found === undefined) {
      const parent = parentOf.get(id);
      found = parent === undefined ? 'Node.js runtime' : owner(parent);
    }
    ownerOf.set(id, found);
    return found;
  };

  let at = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    at += profile.timeDeltas[index] ?? 0;
    const next = profile.timeDeltas[index + 1] ?? 0;
    if (at < fromUs || at > toUs || next <= 0) continue;
    const node = byId.get(profile.samples[index]!)!;
    const name = node.callFrame.functionName;
    if (notWork.has(name)) continue;
    const wasm = node.callFrame.url.startsWith('wasm://');
    const who = wasm ? `${owner(node.id)} (WebAssembly)` : owner(node.id);
    into.totalUs += next;
    into.byOwner.set(who, (into.byOwner.get(who) ?? 0) + next);
    const where = node.callFrame.url ? ` ${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : '';
    const fn = `${name || '(anonymous)'} (${who}${wasm ? '' : where})`;
    into.byFunction.set(fn, (into.byFunction.get(fn) ?? 0) + next);
  }
  return into;
}

/** The part of the stack an owner belongs to, for a process's summary line. */
export function partOf(owner: string): string {
  const name = owner.replace(/ \(WebAssembly\)$/, '');
  if (/^@prisma\/|^better-sqlite3$|^pg(-.*)?$|^mariadb$/.test(name)) return 'Prisma and the database drivers';
  if (/^@temporalio\/|^workflow (bundle|sandbox)|^@grpc\/|^rxjs$|^protobufjs$|^long$|^proto3-json-serializer$/.test(name)) return 'Temporal SDK';
  if (/^hono$|^@hono\/|^undici$/.test(name)) return 'HTTP (Hono, its Node.js server)';
  if (/^@opentelemetry\//.test(name)) return 'OpenTelemetry';
  if (/^pino/.test(name)) return 'logging (pino)';
  if (/\(project\)$/.test(name)) return 'the project\'s own code';
  if (name.startsWith('V8 ') || name === 'Node.js runtime') return 'V8 and Node.js (garbage collection, event loop)';
  return 'other packages';
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
}

/** The `count` largest entries, largest first. */
export function largest(entries: Map<string, number>, count: number): [string, number][] {
  return [...entries].sort((a, b) => b[1] - a[1]).slice(0, count);
}
