import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, projectRoot } from '../../../config';
import { localServiceToken, serviceToken } from '../../../config/service-token';

const dirs: string[] = [];
const freshDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-token-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('the service credential', () => {
  it('is SERVICE_TOKEN, or SERVICE_TOKEN_FILE’s content, when given, and no file is made', () => {
    const dataDir = freshDir();
    expect(serviceToken(loadConfig({ DATA_DIR: dataDir, SERVICE_TOKEN: 'a-token-of-the-deployment-0123' }))).toBe(
      'a-token-of-the-deployment-0123',
    );
    const file = path.join(dataDir, 'mounted');
    fs.writeFileSync(file, 'a-token-from-a-mounted-secret\n');
    expect(serviceToken(loadConfig({ DATA_DIR: dataDir, SERVICE_TOKEN_FILE: file }))).toBe('a-token-from-a-mounted-secret');
    expect(fs.existsSync(path.join(dataDir, 'service-token'))).toBe(false);
  });

  it('refuses a short token and an empty secret file rather than falling back to a local one', () => {
    expect(() => loadConfig({ SERVICE_TOKEN: 'short' })).toThrow(/SERVICE_TOKEN: must be at least 16 characters/);
    const file = path.join(freshDir(), 'empty');
    fs.writeFileSync(file, '\n');
    expect(() => loadConfig({ SERVICE_TOKEN_FILE: file })).toThrow(/SERVICE_TOKEN_FILE=.* is empty/);
  });

  it('is, without SERVICE_TOKEN, one random token in DATA_DIR/service-token (mode 0600) that every later reader gets', () => {
    const dataDir = path.join(freshDir(), 'not-yet-made');
    const first = serviceToken(loadConfig({ DATA_DIR: dataDir }));
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = path.join(dataDir, 'service-token');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(serviceToken(loadConfig({ DATA_DIR: dataDir }))).toBe(first);
    expect(localServiceToken(dataDir)).toBe(first);
    // Another data folder, another token: nothing fixed in the code.
    expect(localServiceToken(freshDir())).not.toBe(first);
    // No temporary file is left beside it.
    expect(fs.readdirSync(dataDir)).toEqual(['service-token']);
  });

  it('is the same token in processes that start at the same moment on one data folder', async () => {
    const dataDir = freshDir();
    const script = `const { localServiceToken } = require(${JSON.stringify(path.join(projectRoot, 'config/service-token.ts'))});
      process.stdout.write(localServiceToken(${JSON.stringify(dataDir)}));`;
    const tokens = await Promise.all(
      Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        return new Promise<string>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`)))));
      }),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toBe(fs.readFileSync(path.join(dataDir, 'service-token'), 'utf8').trim());
  }, 60_000);
});
