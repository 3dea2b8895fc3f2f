import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { portAnswers } from '../../launch/temporal-dev-server';
import { startNpmStart } from '../support/npm-start';
import { freePort } from '../../harness/system';

describe('npm start with TEMPORAL_ADDRESS set', () => {
  it('starts no dev server of its own and says what it waits for', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-external-'));
    const temporalPort = await freePort();
    const start = await startNpmStart({
      temporalAddress: `127.0.0.1:${temporalPort}`,
      dataDir,
      env: { HOME: dataDir, LOG_LEVEL: 'warn' },
    });
    const gateway = start.ports.gateway;
    try {
      const deadline = Date.now() + 60_000;
      // npm start's own line: a service may say the same first, since npm start shows services' errors as they come.
      while (!/\[start\] waiting for Temporal: Nothing answers at/.test(start.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(start.output()).toContain(`[start] using the Temporal server at 127.0.0.1:${temporalPort}`);
      expect(start.output()).toMatch(new RegExp(`\\[start\\] waiting for Temporal: Nothing answers at 127\\.0\\.0\\.1:${temporalPort}.*TEMPORAL_ADDRESS`));
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
      expect(start.output()).not.toMatch(/\[temporal\]|Temporal on 127/);
    } finally {
      await start.ctrlC();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
