import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWorkflowBundle, staleInputs, workflowBundleFor } from '../../workers/workflow-bundle';

/** The prebuilt workflow bundle is used while its sources are unchanged, and built again once one of them changes. */
const workflowsPath = require.resolve('../../workflows');
let buildDir: string;

beforeAll(async () => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-bundle-'));
  await buildWorkflowBundle(workflowsPath, { buildDir });
});

afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));

describe('the prebuilt workflow bundle', () => {
  it('records every source file webpack bundled, the workflow, its contracts and the SDK', () => {
    const { inputs } = JSON.parse(fs.readFileSync(path.join(buildDir, 'manifest.json'), 'utf8')) as { inputs: Record<string, string> };
    expect(Object.keys(inputs)).toEqual(
      expect.arrayContaining(['workflows/index.ts', 'workflows/purchase.ts', 'contracts/temporal.ts', 'domain/purchase-state.ts']),
    );
    expect(Object.keys(inputs).some((file) => file.includes('node_modules/@temporalio/workflow/'))).toBe(true);
  });

  it('keeps an inline source map naming its files, without their full text (memory in every workflow worker)', () => {
    const code = fs.readFileSync(path.join(buildDir, 'bundle.js'), 'utf8');
    const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
    const map = JSON.parse(Buffer.from(inline![1]!, 'base64').toString('utf8')) as { sources: string[]; mappings: string };
    expect(map.sources.some((source) => source.endsWith('workflows/purchase.ts'))).toBe(true);
    expect(map.mappings.length).toBeGreaterThan(0);
    expect(map).not.toHaveProperty('sourcesContent');
  });

  it('is used as it is while its sources are unchanged', async () => {
    const codePath = path.join(buildDir, 'bundle.js');
    const builtAt = fs.statSync(codePath).mtimeMs;
    expect(staleInputs(workflowsPath, buildDir)).toEqual([]);
    expect(await workflowBundleFor(workflowsPath, { buildDir })).toEqual({ codePath });
    expect(fs.statSync(codePath).mtimeMs).toBe(builtAt);
  });

  it('is built again when a source differs from the one it was built from', async () => {
    const manifestPath = path.join(buildDir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    manifest.inputs['workflows/purchase.ts'] = '0'.repeat(64);
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(staleInputs(workflowsPath, buildDir)).toEqual(['workflows/purchase.ts']);

    const messages: string[] = [];
    const bundle = await workflowBundleFor(workflowsPath, { buildDir, logger: { info: (m) => messages.push(m), warn: (m) => messages.push(m) } });
    expect(bundle).toEqual({ codePath: path.join(buildDir, 'bundle.js') });
    expect(messages[0]).toContain('workflows/purchase.ts changed');
    expect(staleInputs(workflowsPath, buildDir)).toEqual([]);
  });

  it('bundles the failure converter that encodes messages, and counts a bundle made without it as stale', () => {
    const manifestPath = path.join(buildDir, 'manifest.json');
    const written = fs.readFileSync(manifestPath, 'utf8');
    const manifest = JSON.parse(written) as { inputs: Record<string, string>; failureConverter?: string };
    expect(manifest.failureConverter).toBe('codec/failure-converter.ts');
    expect(Object.keys(manifest.inputs)).toContain('codec/failure-converter.ts');
    delete manifest.failureConverter;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(staleInputs(workflowsPath, buildDir)).toEqual(['failure converter codec/failure-converter.ts']);
    fs.writeFileSync(manifestPath, written);
    expect(staleInputs(workflowsPath, buildDir)).toEqual([]);
  });

  it('bundles the workflow interceptors, and counts a bundle made without them as stale', () => {
    const manifestPath = path.join(buildDir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string>; interceptorModules?: string[] };
    expect(Object.keys(manifest.inputs)).toEqual(expect.arrayContaining(['workflows/interceptors.ts', 'contracts/request-context.ts']));
    expect(Object.keys(manifest.inputs).some((file) => file.includes('node_modules/@temporalio/interceptors-opentelemetry/'))).toBe(true);
    // A bundle built before the interceptors existed: its manifest names none.
    delete manifest.interceptorModules;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(staleInputs(workflowsPath, buildDir)).toEqual(['workflow interceptors workflows/interceptors.ts']);
  });

  it('is built when there is none yet', () => {
    expect(staleInputs(workflowsPath, path.join(buildDir, 'nothing-here'))).toEqual(['no bundle built yet']);
  });
});
