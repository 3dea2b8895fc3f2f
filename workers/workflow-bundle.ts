import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { failureConverterPath } from '../codec/data-converter';
import { projectRoot } from '../config';
import { workflowInterceptorModules } from '../observability/temporal-tracing';

/**
 * The workflow code as one prebuilt file. Bundling with webpack takes seconds, so it happens once (`npm run
 * build:workflows`, the image's build) rather than at every worker start. Beside the bundle lies a manifest with the
 * hash of every file webpack put in it (from its source map): the sources, zod, the SDK. A worker uses the bundle only
 * while every one of those files is unchanged, and otherwise bundles again and keeps the result for the next start.
 */
export const workflowsBuildDir = path.join(projectRoot, 'build', 'workflows');
const bundleFile = 'bundle.js';
const manifestFile = 'manifest.json';

interface Manifest {
  workflowsPath: string;
  /** The bundler is part of the output: another SDK version bundles differently. */
  sdkVersion: string;
  /** The workflow interceptor modules bundled with it (tracing, request context): a bundle without them is stale. */
  interceptorModules: string[];
  /** The failure converter bundled with it: a bundle without it writes failure messages in clear. */
  failureConverter?: string;
  /** Project-relative path (or absolute, outside the project) → SHA-256 of its content. */
  inputs: Record<string, string>;
}

export interface BundleLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface BundleOptions {
  logger?: BundleLogger;
  /** Where the bundle and its manifest live; build/workflows unless a test says otherwise. */
  buildDir?: string;
}

/** webpack's bundle of the workflows with what every bundle takes in: the interceptors and the failure converter. */
function bundledCode(workflowsPath: string) {
  const quiet = () => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    failureConverterPath,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
}

/** Bundles the workflows at `workflowsPath` into the build folder and writes the manifest beside it. */
export async function buildWorkflowBundle(workflowsPath: string, options: BundleOptions = {}): Promise<string> {
  const { logger, buildDir = workflowsBuildDir } = options;
  const bundle = await bundledCode(workflowsPath);
  const manifest: Manifest = {
    workflowsPath: keyOf(workflowsPath),
    sdkVersion: sdkVersion(),
    interceptorModules: workflowInterceptorModules.map(keyOf),
    failureConverter: keyOf(failureConverterPath),
    inputs: Object.fromEntries(bundledFiles(bundle.code).map((file) => [keyOf(file), hashOf(file)])),
  };
  fs.mkdirSync(buildDir, { recursive: true });
  // Written under temporary names and renamed, so a worker starting meanwhile never reads half a file.
  const codePath = path.join(buildDir, bundleFile);
  writeAtomically(codePath, withoutSourcesContent(bundle.code));
  writeAtomically(path.join(buildDir, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  logger?.info(`Bundled the workflow code into ${path.relative(projectRoot, codePath)} (${Object.keys(manifest.inputs).length} files)`);
  return codePath;
}

/** The prebuilt bundle when it matches the code on disk; else a fresh one, kept for the next start. */
export async function workflowBundleFor(workflowsPath: string, options: BundleOptions = {}): Promise<WorkflowBundleOption> {
  const { logger, buildDir = workflowsBuildDir } = options;
  const codePath = path.join(buildDir, bundleFile);
  const stale = staleInputs(workflowsPath, buildDir);
  if (stale.length === 0) return { codePath };
  logger?.info(`Bundling the workflow code: ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? '…' : ''} changed since the last build`);
  try {
    return { codePath: await buildWorkflowBundle(workflowsPath, options) };
  } catch (error) {
    if (!isNotWritable(error)) throw error;
    // A read-only install (an image built without the bundle): bundle in memory, as the SDK would.
    logger?.warn(`Cannot write ${buildDir}; bundling in memory at every start`);
    const { code } = await bundledCode(workflowsPath);
    return { code: withoutSourcesContent(code) };
  }
}

/**
 * The bundle with its inline source map kept (the SDK needs one; stack traces still name the original file and line)
 * but without the sources' full text: 1.6 MB of the map, parsed again into every workflow worker, about 30 MB of its
 * resident memory (bench/purchases.ts's RSS column). Only the stack trace query's source excerpts go.
 */
export function withoutSourcesContent(code: string): string {
  const marker = '//# sourceMappingURL=data:application/json;';
  const at = code.lastIndexOf(marker);
  if (at < 0) return code;
  const inline = /base64,([A-Za-z0-9+/=]+)\s*$/.exec(code.slice(at));
  if (!inline) return code;
  const map = JSON.parse(Buffer.from(inline[1]!, 'base64').toString('utf8')) as { sourcesContent?: unknown };
  delete map.sourcesContent;
  return `${code.slice(0, at)}${marker}base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

/** What makes the prebuilt bundle out of date; empty when it is current. */
export function staleInputs(workflowsPath: string, buildDir = workflowsBuildDir): string[] {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(buildDir, manifestFile), 'utf8')) as Manifest;
    fs.accessSync(path.join(buildDir, bundleFile), fs.constants.R_OK);
  } catch {
    return ['no bundle built yet'];
  }
  if (manifest.workflowsPath !== keyOf(workflowsPath)) return [`workflowsPath ${keyOf(workflowsPath)}`];
  if (manifest.sdkVersion !== sdkVersion()) return [`@temporalio/worker ${sdkVersion()}`];
  const interceptors = workflowInterceptorModules.map(keyOf);
  if (JSON.stringify(manifest.interceptorModules ?? []) !== JSON.stringify(interceptors)) {
    return [`workflow interceptors ${interceptors.join(', ')}`];
  }
  if (manifest.failureConverter !== keyOf(failureConverterPath)) return [`failure converter ${keyOf(failureConverterPath)}`];
  return Object.entries(manifest.inputs)
    .filter(([key, hash]) => {
      try {
        return hashOf(fileOf(key)) !== hash;
      } catch {
        return true;
      }
    })
    .map(([key]) => key);
}

/** The real files webpack read, from the bundle's inline source map (its own runtime and generated entry excluded). */
function bundledFiles(code: string): string[] {
  const inline = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  const map = inline ? (JSON.parse(Buffer.from(inline[1]!, 'base64').toString('utf8')) as { sources?: string[] }) : {};
  const sources = (map.sources ?? []).map((source) => source.replace(/^webpack:\/\/\/?/, ''));
  const files = sources.filter((source) => path.isAbsolute(source) && fs.existsSync(source));
  if (files.length === 0) throw new Error('The workflow bundle has no source map listing its files');
  return [...new Set(files)].sort();
}

function keyOf(file: string): string {
  const relative = path.relative(projectRoot, file);
  return relative.startsWith('..') ? file : relative.split(path.sep).join('/');
}

function fileOf(key: string): string {
  return path.isAbsolute(key) ? key : path.join(projectRoot, key);
}

function hashOf(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function sdkVersion(): string {
  return (require('@temporalio/worker/package.json') as { version: string }).version;
}

function writeAtomically(file: string, content: string) {
  const temporary = `${file}.${randomUUID()}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

function isNotWritable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EROFS' || code === 'EPERM';
}
