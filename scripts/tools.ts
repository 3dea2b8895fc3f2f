/**
 * The server binaries the project runs (Consul, Jaeger, Temporal Server, Helm, nginx, …), installed by the project itself:
 * found on PATH (or `<NAME>_BIN`), else in the per-user cache, else built once there from Go modules or installed
 * from Debian's packages; each is linked into `.tools/bin`. `npm run install:tools -- consul jaeger` installs some.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../config';

export const toolsBin = path.join(projectRoot, '.tools', 'bin');
export const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');

/** How a tool is had when it is on no PATH. */
type Source =
  /** `go install pkg@version` for each package. */
  | { kind: 'go-install'; packages: string[] }
  /**
   * A throw-away wrapper module for modules whose go.mod carries `replace` or `exclude` lines, which
   * `go install pkg@version` refuses: the wrapper repeats them, requires the module and builds its main package.
   */
  | { kind: 'go-wrapper'; module: string; package: string; goModLines: string[]; env?: Record<string, string> }
  /** A Debian package, installed with apt-get (the machines run as root). */
  | { kind: 'debian'; package: string };

export interface ToolSpec {
  name: string;
  version: string;
  /** The binaries it provides; the first is the one `ensureTool` answers with. */
  binaries: string[];
  /** Recognises a working binary from its `--version` (or `version`) output. */
  versionArgs: string[];
  looksRight(output: string): boolean;
  source: Source;
  /** A rough figure for the progress message. */
  buildMinutes: string;
}

export const tools = {
  consul: {
    name: 'consul',
    version: '1.22.2',
    binaries: ['consul'],
    versionArgs: ['version'],
    looksRight: (output) => output.includes('Consul v'),
    buildMinutes: '6 to 10',
    source: {
      kind: 'go-wrapper',
      module: 'github.com/hashicorp/consul@v1.22.2',
      package: 'github.com/hashicorp/consul',
      // Consul's own excludes; a dependency's excludes are not applied for a module that requires it.
      goModLines: ['exclude (', '\tgithub.com/hashicorp/go-msgpack v1.1.5', '\tgithub.com/hashicorp/go-msgpack v1.1.6', ')'],
      // The checksum database does not know two of its nested modules that the module proxy serves.
      env: { GONOSUMDB: 'github.com/hashicorp/consul' },
    },
  },
  jaeger: {
    name: 'jaeger',
    version: '1.76.0',
    binaries: ['jaeger'],
    versionArgs: ['version'],
    looksRight: (output) => /v?2\.\d+|gitVersion/.test(output),
    buildMinutes: '5 to 10',
    source: {
      kind: 'go-wrapper',
      module: 'github.com/jaegertracing/jaeger/cmd/jaeger@v1.76.0',
      package: 'github.com/jaegertracing/jaeger/cmd/jaeger',
      goModLines: ['replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0'],
    },
  },
  'temporal-server': {
    name: 'temporal-server',
    version: '1.29.1',
    binaries: ['server', 'sql'],
    versionArgs: ['--version'],
    looksRight: (output) => output.includes('1.29.1'),
    buildMinutes: 'about 5',
    source: {
      kind: 'go-install',
      packages: ['go.temporal.io/server/cmd/server@v1.29.1', 'go.temporal.io/server/cmd/tools/sql@v1.29.1'],
    },
  },
  helm: {
    name: 'helm',
    version: '3.22.0',
    binaries: ['helm'],
    versionArgs: ['version', '--short'],
    looksRight: (output) => output.startsWith('v3.'),
    buildMinutes: 'about 2',
    source: { kind: 'go-install', packages: ['helm.sh/helm/v3/cmd/helm@v3.22.0'] },
  },
  actionlint: {
    name: 'actionlint',
    version: '1.7.12',
    binaries: ['actionlint'],
    versionArgs: ['-version'],
    looksRight: (output) => /\d+\.\d+\.\d+/.test(output),
    buildMinutes: 'under 1',
    source: { kind: 'go-install', packages: ['github.com/rhysd/actionlint/cmd/actionlint@v1.7.12'] },
  },
  kubeconform: {
    name: 'kubeconform',
    version: '0.8.0',
    binaries: ['kubeconform'],
    versionArgs: ['-v'],
    // A build from Go modules calls itself "development".
    looksRight: (output) => /\d+\.\d+\.\d+|development/.test(output),
    buildMinutes: 'under 1',
    source: { kind: 'go-install', packages: ['github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0'] },
  },
  prometheus: {
    name: 'prometheus',
    version: 'debian',
    binaries: ['prometheus', 'promtool'],
    versionArgs: ['--version'],
    looksRight: (output) => output.includes('prometheus'),
    buildMinutes: 'under 1',
    source: { kind: 'debian', package: 'prometheus' },
  },
  alertmanager: {
    name: 'alertmanager',
    version: 'debian',
    binaries: ['prometheus-alertmanager'],
    versionArgs: ['--version'],
    looksRight: (output) => output.includes('alertmanager'),
    buildMinutes: 'under 1',
    source: { kind: 'debian', package: 'prometheus-alertmanager' },
  },
  'docker-compose': {
    name: 'docker-compose',
    version: 'debian',
    binaries: ['docker-compose'],
    versionArgs: ['version', '--short'],
    looksRight: (output) => /\d+\.\d+/.test(output),
    buildMinutes: 'under 1',
    source: { kind: 'debian', package: 'docker-compose' },
  },
  nginx: {
    name: 'nginx',
    version: 'debian',
    binaries: ['nginx'],
    // `nginx -v` prints "nginx version: nginx/1.22.1" on stderr and exits 0.
    versionArgs: ['-v'],
    looksRight: (output) => output.includes('nginx/'),
    buildMinutes: 'under 1',
    source: { kind: 'debian', package: 'nginx' },
  },
} satisfies Record<string, ToolSpec>;
export type ToolName = keyof typeof tools;

const say = (tool: string, line: string) => console.log(`[${tool}] ${line}`);

function works(spec: ToolSpec, file: string): boolean {
  // Some print their version on stderr, some exit non-zero after printing it.
  const result = spawnSync(file, spec.versionArgs, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) return false;
  return spec.looksRight(result.stdout ?? '') || (result.stderr !== '' && spec.looksRight(result.stderr ?? ''));
}

function onPath(command: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(folder, command);
    if (folder && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function goBinary(): string | undefined {
  return onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

export function cacheDir(spec: ToolSpec): string {
  return path.join(cacheRoot, spec.name, `v${spec.version}`);
}

function linkIntoProject(file: string, binary: string): string {
  fs.mkdirSync(toolsBin, { recursive: true });
  const target = path.join(toolsBin, binary);
  fs.rmSync(target, { force: true });
  try {
    fs.linkSync(file, target);
  } catch {
    fs.copyFileSync(file, target); // another filesystem
  }
  fs.chmodSync(target, 0o755);
  return target;
}

/** Runs a command, printing Go's download lines and a heartbeat, so a long first build is visibly alive. */
async function run(tool: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }) {
  const started = Date.now();
  const ticker = setInterval(() => say(tool, `still working (${Math.round((Date.now() - started) / 1000)}s)…`), 30_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let packages = 0;
      const tail: string[] = [];
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 30) tail.shift();
          if (line.startsWith('go: downloading')) continue;
          if (line.startsWith('go: ')) say(tool, line.slice(4));
          else if (++packages % 200 === 0) say(tool, `compiled ${packages} packages…`);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`)),
      );
    });
  } finally {
    clearInterval(ticker);
  }
}

async function buildIntoCache(spec: ToolSpec): Promise<void> {
  const dir = cacheDir(spec);
  fs.mkdirSync(dir, { recursive: true });
  const source = spec.source;
  const started = Date.now();
  if (source.kind === 'debian') {
    say(spec.name, `installing Debian's ${source.package} package…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await run(spec.name, 'apt-get', ['install', '-y', '-qq', source.package], { env });
    } catch {
      await run(spec.name, 'apt-get', ['update', '-qq'], { env });
      await run(spec.name, 'apt-get', ['install', '-y', '-qq', source.package], { env });
    }
    return;
  }
  const go = goBinary();
  if (!go) throw new Error(`${spec.name} ${spec.version} is not installed and there is no Go toolchain to build it`);
  say(spec.name, `building ${spec.name} v${spec.version} from Go modules into ${dir}; the first build takes ${spec.buildMinutes} minutes…`);
  const env = { ...process.env, GOFLAGS: '-mod=mod' };
  if (source.kind === 'go-install') {
    await run(spec.name, go, ['install', '-v', ...source.packages], { env: { ...env, GOBIN: dir } });
  } else {
    const wrapper = fs.mkdtempSync(path.join(os.tmpdir(), `wrap-${spec.name}-`));
    try {
      const goVersion = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim().replace(/^go/, '');
      const lines = [`module wrap${spec.name.replace(/\W/g, '')}`, '', `go ${goVersion.split('.').slice(0, 2).join('.')}`, '', ...source.goModLines, ''];
      fs.writeFileSync(path.join(wrapper, 'go.mod'), lines.join('\n'));
      const wrapperEnv = { ...env, ...source.env };
      await run(spec.name, go, ['get', source.module], { cwd: wrapper, env: wrapperEnv });
      await run(spec.name, go, ['build', '-v', '-o', path.join(dir, spec.binaries[0]), source.package], {
        cwd: wrapper,
        env: wrapperEnv,
      });
    } finally {
      fs.rmSync(wrapper, { recursive: true, force: true });
    }
  }
  say(spec.name, `built in ${Math.round((Date.now() - started) / 1000)}s`);
}

/**
 * The path of a working binary of the tool (its first binary), every binary linked into `.tools/bin`:
 * `<NAME>_BIN` (e.g. CONSUL_BIN), else PATH, else the project's `.tools/bin`, else the cache, else a build.
 */
export async function ensureTool(name: ToolName): Promise<string> {
  const spec: ToolSpec = tools[name];
  const main = spec.binaries[0];
  const fromEnv = process.env[`${name.toUpperCase().replace(/\W/g, '_')}_BIN`];
  if (fromEnv) {
    if (works(spec, fromEnv)) return fromEnv;
    throw new Error(`${name.toUpperCase()}_BIN=${fromEnv} is not a working ${name}`);
  }
  const found = onPath(main);
  if (found && works(spec, found)) return found;
  const projectCopy = path.join(toolsBin, main);
  if (fs.existsSync(projectCopy) && works(spec, projectCopy)) return projectCopy;
  if (spec.source.kind === 'debian') {
    await buildIntoCache(spec);
    const installed = onPath(main) ?? path.join('/usr/bin', main);
    if (!works(spec, installed)) throw new Error(`${main} from Debian's ${spec.source.package} does not run`);
    return installed;
  }
  const cached = path.join(cacheDir(spec), main);
  if (!(fs.existsSync(cached) && works(spec, cached))) {
    await buildIntoCache(spec);
    if (!works(spec, cached)) throw new Error(`${spec.name} at ${cached} does not run`);
  }
  for (const binary of spec.binaries) linkIntoProject(path.join(cacheDir(spec), binary), binary);
  say(spec.name, `installed ${projectCopy}`);
  return projectCopy;
}

if (require.main === module) {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !(name in tools));
  if (names.length === 0 || unknown.length > 0) {
    console.error(`usage: npm run install:tools -- <${Object.keys(tools).join('|')}> …${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
    process.exit(2);
  }
  (async () => {
    for (const name of names) console.log(await ensureTool(name as ToolName));
  })().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
