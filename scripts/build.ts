/**
 * `npm run build`: compiles each process's entry point into one CommonJS file under dist/ (dist/api/main.js,
 * dist/workers/*.js, dist/scripts/prisma.js for the migration job), with a source map beside it, for
 * `node --enable-source-maps` without a TypeScript loader.
 *
 * Only the project's own code is bundled: every package stays in node_modules (`packages: 'external'`), as native
 * modules (better-sqlite3, @node-rs/argon2, Temporal's core bridge), the Temporal worker (it loads its own files and
 * the workflow code by path), pino's transports (loaded by name in worker threads) and the modules OpenTelemetry
 * patches on require() all need. The Prisma clients generated into prisma/ are project code and are bundled; their
 * query compiler comes from @prisma/client.
 *
 * A bundled module no longer lies where its source did, so a path computed from its location is fixed here: in the
 * project's modules, `__dirname` and `require.resolve('./relative')` name the source's folder and file in the project
 * (the schemas and migrations beside prisma/, config/environments, the workflow sources the worker bundles with
 * webpack), found from the bundle's own place under dist/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from '../config';
import { compiledEntry, services } from '../launch/services';

export const distDir = path.join(projectRoot, 'dist');

/** The compiled entry points, by source: what `npm start -- --production`, the image and the chart run. */
export const buildEntries = [...services.map((service) => service.entry), 'scripts/prisma.ts'];


const projectFile = (file: string) => path.relative(projectRoot, file).split(path.sep).join('/');

/** The project file a relative `require.resolve` names, as Node would find it with a TypeScript loader. */
function resolveSource(fromDir: string, specifier: string): string {
  const base = path.resolve(fromDir, specifier);
  const candidates = [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts'), path.join(base, 'index.js')];
  const found = candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
  if (!found) throw new Error(`require.resolve('${specifier}') in ${projectFile(fromDir)}: no such project file`);
  return found;
}

/** Rewrites `__dirname` and relative `require.resolve` in the project's modules into paths inside the project. */
const sourceLocations: Plugin = {
  name: 'source-locations',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = fs.readFileSync(args.path, 'utf8');
      if (!source.includes('__dirname') && !source.includes('require.resolve')) return undefined;
      const dir = path.dirname(args.path);
      const contents = source
        .replace(/require\.resolve\((['"])(\.{1,2}\/[^'"]*)\1\)/g, (_match, _quote, specifier: string) =>
          `__projectPath(${JSON.stringify(projectFile(resolveSource(dir, specifier)))})`,
        )
        .replace(/\b__dirname\b/g, `__projectPath(${JSON.stringify(projectFile(dir))})`);
      return { contents, loader: 'ts' };
    });
  },
};

/** Compiles one entry point into dist/. */
async function buildEntry(entry: string) {
  const outfile = path.join(projectRoot, compiledEntry(entry));
  const toRoot = path.relative(path.dirname(outfile), projectRoot).split(path.sep).join('/');
  await build({
    entryPoints: [path.join(projectRoot, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: true,
    // Stack traces need the mappings only; the sources stay in the project.
    sourcesContent: false,
    logLevel: 'warning',
    plugins: [sourceLocations],
    banner: {
      js: [
        '"use strict";',
        `const __projectRoot = require("node:path").resolve(__dirname, ${JSON.stringify(toRoot)});`,
        'const __projectPath = (file) => require("node:path").join(__projectRoot, file);',
      ].join('\n'),
    },
  });
}

/** Every source file the last build read is older than its output: nothing to rebuild. */
export function buildIsCurrent(): boolean {
  const outputs = buildEntries.map((entry) => path.join(projectRoot, compiledEntry(entry)));
  if (!outputs.every((file) => fs.existsSync(file))) return false;
  const builtAt = Math.min(...outputs.map((file) => fs.statSync(file).mtimeMs));
  const newer = (dir: string): boolean =>
    fs.readdirSync(path.join(projectRoot, dir), { withFileTypes: true }).some((entry) => {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) return false;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return newer(file);
      return /\.(ts|js|json)$/.test(entry.name) && fs.statSync(path.join(projectRoot, file)).mtimeMs > builtAt;
    });
  // The rooms a process's code comes from (tests, benchmarks and the harness are never bundled).
  const rooms = ['activities', 'api', 'codec', 'config', 'contracts', 'discovery', 'domain', 'launch', 'logging', 'net', 'observability', 'prisma', 'scripts', 'service', 'workers', 'workflows'];
  return !rooms.some((room) => fs.existsSync(path.join(projectRoot, room)) && newer(room)) &&
    fs.statSync(path.join(projectRoot, 'package.json')).mtimeMs <= builtAt;
}

/** Compiles every entry point into dist/, replacing what was there. */
export async function buildAll() {
  fs.rmSync(distDir, { recursive: true, force: true });
  for (const entry of buildEntries) await buildEntry(entry);
}

if (require.main === module) {
  const started = Date.now();
  buildAll().then(
    () => console.log(`Built ${buildEntries.map(compiledEntry).join(', ')} in ${Date.now() - started} ms`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
