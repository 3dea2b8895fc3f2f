/**
 * Keeps README.md and docs/*.md honest where a machine can check them: the npm scripts, environment variables, test
 * files, repository paths and relative links they name exist, README's layout lists the folders there are, and README
 * stays a short front door.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { envSchema, projectRoot } from '../../config';
import { secretNames } from '../../config/secret-files';
import { invalidActivityInput } from '../../contracts/activities';
import { businessRefusalCodes, errorCodes } from '../../contracts/error-codes';
import { deliveryStatuses, purchaseStatuses } from '../../contracts/purchase';
import { compiledEnvironment } from '../../launch/services';

const root = projectRoot;
const docFiles = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** A document split into prose (fenced blocks blanked, so line numbers stay) and its fenced blocks. */
interface Doc {
  file: string;
  text: string;
  prose: string;
  fenced: { language: string; lines: string[]; startLine: number }[];
}

function parse(file: string): Doc {
  const text = read(file);
  const proseLines: string[] = [];
  const fenced: Doc['fenced'] = [];
  let open: Doc['fenced'][number] | undefined;
  text.split('\n').forEach((line, index) => {
    const fence = /^\s*```(\S*)/.exec(line);
    if (fence && !open) {
      open = { language: fence[1] ?? '', lines: [], startLine: index + 1 };
      proseLines.push('');
    } else if (fence && open) {
      fenced.push(open);
      open = undefined;
      proseLines.push('');
    } else if (open) {
      open.lines.push(line);
      proseLines.push('');
    } else {
      proseLines.push(line);
    }
  });
  return { file, text, prose: proseLines.join('\n'), fenced };
}

const docs = docFiles.map(parse);

/** Inline code spans of the prose (tables included), with their line numbers. */
function codeSpans(doc: Doc): { span: string; line: number }[] {
  const spans: { span: string; line: number }[] = [];
  doc.prose.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(/`([^`]+)`/g)) spans.push({ span: match[1]!, line: index + 1 });
  });
  return spans;
}

/** Every file of the working tree the documents may name (generated and installed folders left out). */
const skippedFolders = new Set(['node_modules', '.git', '.data', '.tools', 'build', 'coverage']);
function walk(folder: string, found: string[] = []): string[] {
  for (const entry of fs.readdirSync(path.join(root, folder), { withFileTypes: true })) {
    const relative = folder ? `${folder}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!skippedFolders.has(entry.name) && !relative.endsWith('/generated') && !/^prisma\/[^/]+\/engines$/.test(relative)) {
        walk(relative, found);
      }
    } else {
      found.push(relative);
    }
  }
  return found;
}
const treeFiles = walk('');
const basenames = new Set(treeFiles.map((file) => path.basename(file)));

/** Which of these paths git ignores (generated or installed: `build/…`, `pacts/…`, `.data/…`, `.tools/…`). */
function gitIgnored(paths: string[]): Set<string> {
  if (paths.length === 0) return new Set();
  let output = '';
  try {
    output = execFileSync('git', ['check-ignore', '--no-index', '--stdin'], { cwd: root, input: paths.join('\n'), encoding: 'utf8' });
  } catch (error) {
    // Exit status 1: none of them is ignored.
    output = (error as { stdout?: string }).stdout ?? '';
  }
  return new Set(output.split('\n').filter(Boolean));
}

/** The project's own code: where a named variable must be read, or a named constant defined. */
const codeExtensions = /\.(ts|js|mjs|cjs|sh)$/;
const thisFile = path.relative(root, __filename).split(path.sep).join('/');
const codeFiles = treeFiles.filter((file) => (codeExtensions.test(file) || file === '.ci/run') && file !== thisFile);
const code = codeFiles.map((file) => read(file)).join('\n');
const occursInCode = (word: string) => new RegExp(`\\b${word}\\b`).test(code);

/** Variables the code reads: `process.env.X`, `env.X`, `env['X']`, `values.X` (a parsed environment), the schemas. */
const readByCode = new Set<string>([...Object.keys(envSchema.shape), ...secretNames]);
for (const match of code.matchAll(/\b(?:env|values)\??\.([A-Z][A-Z0-9_]*)\b/g)) readByCode.add(match[1]!);
for (const match of code.matchAll(/\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g)) readByCode.add(match[1]!);
for (const name of secretNames) readByCode.add(`${name}_FILE`); // config/secret-files.ts reads `${name}_FILE`
// What the project sets for the C library beneath Node.js when it runs compiled (the image sets the same).
for (const name of Object.keys(compiledEnvironment)) readByCode.add(name);

/**
 * Standard variables the documents name that libraries read, not the project's code: each with the package that
 * reads it, whose files must contain the name.
 */
const readByLibraries: Record<string, { reader: string; why: string }> = {
  ...Object.fromEntries(
    [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_API_KEY',
      'TEMPORAL_TLS',
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'TEMPORAL_TLS_CLIENT_KEY_DATA',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_CONFIG_FILE',
      'TEMPORAL_PROFILE',
    ].map((name) => [
      name,
      { reader: '@temporalio/envconfig', why: 'config/temporal.ts hands the environment to envconfig, as the CLI reads it' },
    ]),
  ),
  ...Object.fromEntries(
    [
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_TRACES_SAMPLER',
      'OTEL_PROPAGATORS',
      'OTEL_RESOURCE_ATTRIBUTES',
      'OTEL_SDK_DISABLED',
    ].map((name) => [name, { reader: '@opentelemetry/core', why: "the OpenTelemetry SDK's standard variables" }]),
  ),
  NODE_ENV: { reader: '@prisma/client', why: 'the Node convention for production, read by libraries such as Prisma' },
};

/** Names in capitals that are not variables: the contract's codes and statuses, and a few the code uses. */
const notVariables = new Set<string>([...errorCodes, ...purchaseStatuses, ...deliveryStatuses, invalidActivityInput]);
/** Other constants the documents quote; each must occur in the code. */
const quotedConstants = ['RESERVATION_MISSING', 'DEADLINE_EXCEEDED', 'SQLITE_BUSY', 'REJECT_DUPLICATE', 'PERMANENT_DATABASE_ERROR'];

function packageContains(packageName: string, word: string): boolean {
  const folder = path.join(root, 'node_modules', packageName);
  const stack = [folder];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') stack.push(full);
      else if (entry.isFile() && entry.name.endsWith('.js') && fs.readFileSync(full, 'utf8').includes(word)) return true;
    }
  }
  return false;
}

/** Words written in capitals with an underscore, whole (no `LOGIN_*`, `<NAME>_FILE`, `…_DATA`). */
function capitalWords(text: string): string[] {
  return (text.match(/[A-Za-z0-9_*…<>]+/g) ?? []).filter((word) => /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(word));
}

const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
const npmBuiltins = new Set(['install', 'ci', 'run', 'exec', 'init', 'pack', 'publish', 'ls', 'audit', 'version']);

describe('README.md and docs/', () => {
  it('name only npm scripts that package.json has', () => {
    const problems: string[] = [];
    const named = new Set<string>();
    for (const doc of docs) {
      for (const match of doc.text.matchAll(/\bnpm run(?:\s+--?[a-z-]+)*\s+([A-Za-z0-9:._-]+)/g)) {
        named.add(match[1]!);
        if (!scripts.includes(match[1]!)) problems.push(`${doc.file}: npm run ${match[1]}`);
      }
      // `npm start`, `npm test`: in code, where a command is written (prose may say "npm installs").
      const commands = [...codeSpans(doc).map(({ span }) => span), ...doc.fenced.flatMap((block) => block.lines)];
      for (const match of commands.join('\n').matchAll(/\bnpm (?!run\b)([a-z][a-z:-]*)/g)) {
        named.add(match[1]!);
        if (!npmBuiltins.has(match[1]!) && !scripts.includes(match[1]!)) problems.push(`${doc.file}: npm ${match[1]}`);
      }
    }
    expect(named.size).toBeGreaterThan(15); // the check reads the commands at all
    expect(problems).toEqual([]);
  });

  it('name only environment variables the code (or a library it hands them to) reads', () => {
    const problems: string[] = [];
    const named = new Map<string, string>();
    for (const doc of docs) {
      for (const { span, line } of codeSpans(doc)) {
        for (const word of capitalWords(span)) if (!named.has(word)) named.set(word, `${doc.file}:${line}`);
      }
      for (const block of doc.fenced) {
        block.lines.forEach((text, index) => {
          for (const word of capitalWords(text)) if (!named.has(word)) named.set(word, `${doc.file}:${block.startLine + 1 + index}`);
        });
      }
    }
    for (const [word, where] of named) {
      if (readByCode.has(word) || notVariables.has(word)) continue;
      if (quotedConstants.includes(word)) {
        if (!occursInCode(word)) problems.push(`${where}: ${word} is quoted as a constant the code uses, but it does not`);
        continue;
      }
      const library = readByLibraries[word];
      if (library) {
        if (!packageContains(library.reader, word)) problems.push(`${where}: ${word} is not read by ${library.reader}`);
        continue;
      }
      problems.push(`${where}: ${word} is read nowhere in the code`);
    }
    expect(named.size).toBeGreaterThan(60); // the check reads the names at all
    expect(problems).toEqual([]);
  });

  it('name only test files, repository paths and files that exist (or that git ignores as generated)', () => {
    const problems: string[] = [];
    const rootEntries = new Set(fs.readdirSync(root));
    const candidates: { token: string; where: string }[] = [];
    for (const doc of docs) {
      for (const { span, line } of codeSpans(doc)) {
        for (const raw of span.split(/[\s,()]+/)) {
          const token = raw.replace(/[.:;…]+$/, '');
          if (!token || /[<>*…{}$|=?"'\\]/.test(token)) continue;
          if (token.startsWith('/') || token.startsWith('~') || token.includes('://') || token.startsWith(':')) continue;
          candidates.push({ token, where: `${doc.file}:${line}` });
        }
      }
    }
    const repoPaths: { token: string; where: string }[] = [];
    for (const candidate of candidates) {
      const { token, where } = candidate;
      if (token.includes('/')) {
        if (rootEntries.has(token.split('/')[0]!) || token.startsWith('.data/') || token.startsWith('.tools/')) {
          repoPaths.push(candidate);
        }
      } else if (/\.test\.ts$/.test(token)) {
        if (!treeFiles.some((file) => file.startsWith('test/') && path.basename(file) === token)) {
          problems.push(`${where}: no test file ${token}`);
        }
      } else if (/^[\w.-]+\.(ts|mjs|js|json|ya?ml|sql)$/.test(token) && !basenames.has(token)) {
        problems.push(`${where}: no file named ${token}`);
      }
    }
    const missing = repoPaths.filter(({ token }) => !fs.existsSync(path.join(root, token)));
    const ignored = gitIgnored(missing.map(({ token }) => token));
    for (const { token, where } of missing) {
      if (!ignored.has(token)) problems.push(`${where}: ${token} does not exist`);
    }
    expect(repoPaths.length).toBeGreaterThan(50); // the check reads the paths at all
    expect(problems).toEqual([]);
  });

  it('find each name they place in a file (`name` in `file.ts`) in that file', () => {
    const problems: string[] = [];
    let placed = 0;
    for (const doc of docs) {
      const prose = doc.prose.replace(/\n(?!\n)/g, ' ');
      for (const match of prose.matchAll(/`([A-Za-z_$][\w$]*)(?:\(\))?` in `([\w./-]+\.(?:ts|js|mjs))`/g)) {
        placed += 1;
        const [, name, file] = match as unknown as [string, string, string];
        if (!fs.existsSync(path.join(root, file))) problems.push(`${doc.file}: ${name} in ${file}: no such file`);
        else if (!new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(read(file))) {
          problems.push(`${doc.file}: ${name} is not in ${file}`);
        }
      }
    }
    expect(placed).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });

  it("list every business refusal of the contract where README and the saga's rules list them", () => {
    for (const file of ['README.md', 'docs/saga.md']) {
      const line = read(file).split('\n\n').find((paragraph) => /Business refusals/.test(paragraph)) ?? '';
      expect({ file, missing: businessRefusalCodes.filter((code) => !line.includes(`\`${code}\``)) }).toEqual({ file, missing: [] });
    }
  });

  it('link only to files and headings that exist', () => {
    const problems: string[] = [];
    let relativeLinks = 0;
    for (const doc of docs) {
      for (const match of doc.prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        relativeLinks += 1;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const targetFile = file ? path.posix.normalize(path.posix.join(path.posix.dirname(doc.file), file)) : doc.file;
        if (!fs.existsSync(path.join(root, targetFile))) {
          problems.push(`${doc.file}: link to ${target}: no ${targetFile}`);
          continue;
        }
        if (anchor && targetFile.endsWith('.md') && !anchorsOf(targetFile).has(anchor)) {
          problems.push(`${doc.file}: link to ${target}: no heading #${anchor} in ${targetFile}`);
        }
      }
    }
    expect(relativeLinks).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it("keep README a short front door: under 300 lines, none over 120 characters", () => {
    const lines = read('README.md').split('\n');
    expect(lines.length).toBeLessThan(300);
    expect(lines.map((line, index) => [index + 1, line.length]).filter(([, length]) => length! > 120)).toEqual([]);
  });

  it('keep prose lines of docs/ within 120 characters (tables and code blocks aside)', () => {
    const long: string[] = [];
    for (const doc of docs.filter(({ file }) => file.startsWith('docs/'))) {
      doc.prose.split('\n').forEach((line, index) => {
        if (line.length > 120 && !line.startsWith('|')) long.push(`${doc.file}:${index + 1}`);
      });
    }
    expect(long).toEqual([]);
  });

  it("list in README's layout every folder of the repository, and only folders that exist", () => {
    const readme = parse('README.md');
    const headingLine = readme.text.split('\n').findIndex((line) => line === '## Layout') + 1;
    const block = readme.fenced.find((fence) => fence.startLine > headingLine);
    expect(block).toBeDefined();
    const listed = block!.lines
      .filter((line) => /^\S/.test(line))
      .flatMap((line) => line.split(/\s{2,}/)[0]!.split(/,\s*/))
      .map((folder) => folder.replace(/\/$/, ''));
    // Asked as folders (a trailing slash): a folder-only pattern such as `/dist/` matches a path git cannot see yet.
    const ignored = gitIgnored(listed.map((folder) => `${folder}/`));
    const gone = listed.filter((folder) => !fs.existsSync(path.join(root, folder)) && !ignored.has(`${folder}/`));
    expect({ 'folders in the Layout block of README.md that do not exist': gone }).toEqual({ 'folders in the Layout block of README.md that do not exist': [] });
    const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file.includes('/'))
      .map((file) => file.split('/')[0]!);
    const unlisted = [...new Set(tracked)].filter((folder) => !listed.includes(folder));
    expect({ 'folders missing from the Layout block of README.md': unlisted }).toEqual({ 'folders missing from the Layout block of README.md': [] });
  });

  it('tell no history: no figures of earlier runs or states before a change', () => {
    const history = /before these changes|the run before it|the day before|used to be/i;
    const found = docs.flatMap((doc) =>
      doc.prose.split('\n').flatMap((line, index) => (history.test(line) ? [`${doc.file}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});

/** The anchors GitHub gives a document's headings (github-slugger: lower case, punctuation dropped, spaces as -). */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of parse(file).prose.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}
