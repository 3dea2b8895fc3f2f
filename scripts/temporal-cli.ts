import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../config';

/** The CLI version this project is tested on: Temporal Server 1.29.1. Later tags cannot be built with `go install`. */
export const temporalCliVersion = '1.5.1';

const toolsBin = path.join(projectRoot, '.tools', 'bin');
const projectCopy = path.join(toolsBin, 'temporal');
const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
const cachedCopy = path.join(cacheRoot, 'temporal-cli', `v${temporalCliVersion}`, 'temporal');

const say = (line: string) => console.log(`[temporal-cli] ${line}`);

function runsAsTemporalCli(file: string): boolean {
  try {
    return execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 }).includes('temporal version');
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(folder, command);
    if (folder && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function copyIntoProject(file: string): string {
  fs.mkdirSync(toolsBin, { recursive: true });
  fs.rmSync(projectCopy, { force: true });
  try {
    fs.linkSync(file, projectCopy);
  } catch {
    fs.copyFileSync(file, projectCopy); // another filesystem: a 250 MB copy, once
  }
  fs.chmodSync(projectCopy, 0o755);
  return projectCopy;
}

/** `go install` of the CLI into a per-user cache, so a fresh clone on the same machine does not rebuild it. */
async function buildWithGo(go: string): Promise<void> {
  fs.mkdirSync(path.dirname(cachedCopy), { recursive: true });
  say(`building the Temporal CLI v${temporalCliVersion} with Go; the first build takes a few minutes…`);
  const started = Date.now();
  const ticker = setInterval(() => say(`still building (${Math.round((Date.now() - started) / 1000)}s)…`), 20_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', '-v', `github.com/temporalio/cli/cmd/temporal@v${temporalCliVersion}`], {
        env: { ...process.env, GOBIN: path.dirname(cachedCopy), GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      let packages = 0;
      child.stderr.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (line.startsWith('go: downloading')) say(line.slice(4));
          else if (line.trim() && !line.startsWith('go:')) packages += 1;
          else if (line.trim()) say(line);
        }
        if (packages > 0 && packages % 100 === 0) say(`compiled ${packages} packages…`);
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`go install exited with ${code}`))));
    });
  } finally {
    clearInterval(ticker);
  }
  say(`built in ${Math.round((Date.now() - started) / 1000)}s`);
}

/** Without Go: the official release archive. */
async function downloadRelease(): Promise<void> {
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const url = `https://temporal.download/cli/archive/v${temporalCliVersion}?platform=${process.platform}&arch=${arch}`;
  say(`downloading ${url}`);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`download failed: HTTP ${response.status}`);
  const archive = path.join(os.tmpdir(), `temporal-cli-${process.pid}.tar.gz`);
  fs.writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
  fs.mkdirSync(path.dirname(cachedCopy), { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', path.dirname(cachedCopy), 'temporal']);
  fs.rmSync(archive, { force: true });
}

/**
 * The path of a working Temporal CLI: `TEMPORAL_CLI`, else `temporal` on PATH, else the project's `.tools/bin`,
 * else a copy from the per-user cache, else a fresh build (Go) or download into that cache.
 */
export async function ensureTemporalCli(): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (runsAsTemporalCli(fromEnv)) return fromEnv;
    throw new Error(`TEMPORAL_CLI=${fromEnv} is not a working Temporal CLI`);
  }
  const found = onPath('temporal');
  if (found && runsAsTemporalCli(found)) return found;
  if (fs.existsSync(projectCopy) && runsAsTemporalCli(projectCopy)) return projectCopy;
  if (!(fs.existsSync(cachedCopy) && runsAsTemporalCli(cachedCopy))) {
    const go = onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
    if (go) await buildWithGo(go);
    else await downloadRelease();
    if (!runsAsTemporalCli(cachedCopy)) throw new Error(`the Temporal CLI at ${cachedCopy} does not run`);
  }
  const installed = copyIntoProject(cachedCopy);
  say(`installed ${installed}`);
  return installed;
}

if (require.main === module) {
  ensureTemporalCli()
    .then((file) => console.log(file))
    .catch((error) => {
      console.error(`[temporal-cli] ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    });
}
