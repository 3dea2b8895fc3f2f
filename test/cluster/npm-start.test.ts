import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../config';
import { portAnswers } from '../../scripts/temporal-dev-server';
import { freePort } from '../support/system';

describe('npm start with TEMPORAL_ADDRESS set', () => {
  it('starts no dev server of its own and says what it waits for', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-external-'));
    const [temporalPort, gateway, supplier, carrier, orchestrator] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/start.ts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        HOME: dataDir,
        DATA_DIR: dataDir,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        PORT: String(gateway),
        SUPPLIER_PORT: String(supplier),
        CARRIER_PORT: String(carrier),
        ORCHESTRATOR_METRICS_PORT: String(orchestrator),
        SUPPLIER_URL: `http://127.0.0.1:${supplier}`,
        CARRIER_URL: `http://127.0.0.1:${carrier}`,
        CONSUL_HTTP_ADDR: '',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      const deadline = Date.now() + 60_000;
      // npm start's own line: a service may say the same first, since npm start shows services' errors as they come.
      while (!/\[start\] waiting for Temporal: Nothing answers at/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(output).toContain(`[start] using the Temporal server at 127.0.0.1:${temporalPort}`);
      expect(output).toMatch(new RegExp(`\\[start\\] waiting for Temporal: Nothing answers at 127\\.0\\.0\\.1:${temporalPort}.*TEMPORAL_ADDRESS`));
      // The gateway listens anyway, alive and not ready.
      const healthDeadline = Date.now() + 60_000;
      let health = 0;
      while (health !== 200 && Date.now() < healthDeadline) {
        health = await fetch(`http://127.0.0.1:${gateway}/health`).then((r) => r.status, () => 0);
        if (health !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(health).toBe(200);
      expect((await fetch(`http://127.0.0.1:${gateway}/ready`)).status).toBe(503);
      expect(await portAnswers('127.0.0.1', temporalPort)).toBe(false);
      expect(output).not.toMatch(/\[temporal\]|Temporal on 127/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const forced = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
      await exited;
      clearTimeout(forced);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
