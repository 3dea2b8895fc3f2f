import { addProfile, emptyBreakdown, frameOwner, partOf, profileFileOwner, type CpuProfile } from '../../../bench/cpu-profile';

const root = '/srv/shop';

describe('frameOwner', () => {
  it('names the package for code in node_modules, scoped or not', () => {
    expect(frameOwner('file:///srv/shop/node_modules/@prisma/client/runtime/client.js', root)).toBe('@prisma/client');
    expect(frameOwner('/srv/shop/node_modules/.pnpm/x/node_modules/pino/lib/proto.js', root)).toBe('pino');
  });

  it("names the project's top folder for its own code", () => {
    expect(frameOwner('file:///srv/shop/activities/supplier/reserve.ts', root)).toBe('activities/ (project)');
  });

  it("names the Temporal SDK's workflow sandbox: the bundle, prebuilt or built at start, and its vm glue", () => {
    expect(frameOwner('file:///srv/shop/build/workflows/bundle.js', root)).toBe('workflow bundle');
    expect(frameOwner('/srv/shop/workflow-bundle-c5c2cebe201dfe67062e.js', root)).toBe('workflow bundle');
    expect(frameOwner('evalmachine.<anonymous>', root)).toBe('workflow sandbox (vm)');
  });

  it('leaves built-ins, native functions and WebAssembly to their caller', () => {
    for (const url of ['', 'node:internal/streams/writable', 'wasm://wasm/00b2c3a6', 'function toString() { [native code] }']) {
      expect(frameOwner(url, root)).toBeUndefined();
    }
  });
});

describe('profileFileOwner', () => {
  it('reads the process and thread from the file name', () => {
    expect(profileFileOwner('/tmp/p/CPU.20261202.141151.6191.1.002.cpuprofile')).toEqual({ pid: 6191, thread: 1 });
    expect(profileFileOwner('notes.txt')).toBeUndefined();
  });
});

describe('addProfile', () => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
  // (root) → handler (project) → prisma call → wasm compile; → JSON.parse under the handler; (idle); (garbage collector)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 6, 7] },
      { id: 2, callFrame: frame('reserve', `file://${root}/activities/reserve.ts`), children: [3, 5] },
      { id: 3, callFrame: frame('compile', `file://${root}/node_modules/@prisma/client/runtime/client.js`), children: [4] },
      { id: 4, callFrame: frame('query_compiler_compile', 'wasm://wasm/abc') },
      { id: 5, callFrame: frame('parse') },
      { id: 6, callFrame: frame('(idle)') },
      { id: 7, callFrame: frame('(garbage collector)') },
    ],
    startTime: 1_000,
    endTime: 2_000,
    // Sample times 1010, 1020, 1050, 1100, 1200, 1300: each counts the interval to the next sample.
    samples: [4, 4, 5, 6, 7, 2],
    timeDeltas: [10, 10, 30, 50, 100, 100],
  };

  it("gives each sample's interval to its function and to the nearest caller with an owner", () => {
    const breakdown = addProfile(emptyBreakdown(), profile, 0, Number.MAX_SAFE_INTEGER, root);
    expect(Object.fromEntries(breakdown.byOwner)).toEqual({
      '@prisma/client (WebAssembly)': 40,
      'activities/ (project)': 50,
      'V8 garbage collection': 100,
    });
    // Idle time and the last sample (no interval after it) are not work.
    expect(breakdown.totalUs).toBe(190);
    expect(breakdown.byFunction.get('parse (activities/ (project))')).toBe(50);
  });

  it('names the owner of functions called like the properties of a plain object', () => {
    const constructors: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('constructor', `file://${root}/api/app.ts`), children: [3] },
        { id: 3, callFrame: frame('toString') },
      ],
      startTime: 0,
      endTime: 30,
      samples: [2, 3, 3],
      timeDeltas: [0, 10, 10],
    };
    const breakdown = addProfile(emptyBreakdown(), constructors, 0, 100, root);
    expect(Object.fromEntries(breakdown.byOwner)).toEqual({ 'api/ (project)': 20 });
  });

  it('counts only the samples inside the window', () => {
    const breakdown = addProfile(emptyBreakdown(), profile, 1_015, 1_060, root);
    expect(Object.fromEntries(breakdown.byOwner)).toEqual({ '@prisma/client (WebAssembly)': 30, 'activities/ (project)': 50 });
  });
});

describe('partOf', () => {
  it('puts each owner in its part of the stack', () => {
    expect(partOf('@prisma/client (WebAssembly)')).toBe('Prisma and the database drivers');
    expect(partOf('better-sqlite3')).toBe('Prisma and the database drivers');
    expect(partOf('workflow bundle')).toBe('Temporal SDK');
    expect(partOf('@grpc/grpc-js')).toBe('Temporal SDK');
    expect(partOf('@hono/node-server')).toBe('HTTP (Hono, its Node.js server)');
    expect(partOf('activities/ (project)')).toBe("the project's own code");
    expect(partOf('V8 garbage collection')).toBe('V8 and Node.js (garbage collection, event loop)');
    expect(partOf('ms')).toBe('other packages');
  });
});
