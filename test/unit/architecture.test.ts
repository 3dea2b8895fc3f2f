import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../../config';

/**
 * The project's rooms (top-level folders), lowest first. A module imports only from its own room or from a lower
 * one; rooms on one level do not import each other. `contracts/` is what crosses every boundary; `config/`, `net/` and
 * `logging/` are read by everyone; the processes (api/, workers/) sit on the shared service lifecycle (service/); the
 * harness starts the system as `npm start` does (both on launch/), and scripts, benchmarks and tests sit on top.
 */
const levels: string[][] = [
  ['contracts'],
  ['domain', 'net', 'logging'],
  ['config'],
  ['prisma', 'discovery', 'observability', 'launch', 'codec'],
  ['activities', 'workflows', 'client'],
  ['service'],
  ['api', 'workers'],
  ['harness'],
  ['chaos'],
  ['scripts'],
  ['bench'],
  ['test'],
];
const levelOf = new Map(levels.flatMap((rooms, level) => rooms.map((room) => [room, level] as const)));

/** Every TypeScript module of the project, by path from the root: generated clients and lint fixtures aside. */
function projectModules(): string[] {
  const skipped = new Set(['node_modules', 'generated', 'build', '.data', '.tools', '.git', 'fixtures']);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(projectRoot, dir), { withFileTypes: true })) {
      if (skipped.has(entry.name)) continue;
      const file = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(file);
    }
  };
  for (const entry of fs.readdirSync(projectRoot, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith('.') && !skipped.has(entry.name)) walk(entry.name);
  }
  return found;
}

/** The project modules `file` imports (type-only imports and re-exports too), resolved to their paths. */
function importsOf(file: string, modules: Set<string>): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(projectRoot, file), 'utf8'), true, true);
  return importedFiles.flatMap(({ fileName }) => {
    if (!fileName.startsWith('.')) return [];
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
    const target = [base, `${base}.ts`, `${base}/index.ts`].find((candidate) => modules.has(candidate));
    return target ? [target] : [];
  });
}

/** The import cycles of the graph: each strongly connected set of two modules or more (Tarjan). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const cycle: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        cycle.push(member);
      } while (member !== node);
      if (cycle.length > 1) cycles.push(cycle.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('the import graph', () => {
  const modules = projectModules();
  const known = new Set(modules);
  const graph = new Map(modules.map((file) => [file, importsOf(file, known)]));
  const roomOf = (file: string) => file.split('/')[0]!;

  it('reads the project: every room is found, and imports between them', () => {
    expect(modules.length).toBeGreaterThan(100);
    expect([...graph.get('api/main.ts')!]).toContain('service/lifecycle.ts');
  });

  it('places every room of the project in the order', () => {
    expect([...new Set(modules.map(roomOf))].filter((room) => !levelOf.has(room))).toEqual([]);
  });

  it('has no import cycle among the project’s own modules', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('has no room importing a room above it, or one beside it', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => roomOf(target) !== roomOf(file) && levelOf.get(roomOf(target))! >= levelOf.get(roomOf(file))!)
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it("has the activities handed their settings by the worker entry: no activity module reads the configuration", () => {
    const reading = [...graph].filter(([file, targets]) => roomOf(file) === 'activities' && targets.includes('config/index.ts'));
    expect(reading.map(([file]) => file)).toEqual([]);
  });
});
