import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../config';
import { prometheusConfig } from '../../observability/prometheus-config';
import { ensureTool } from '../../scripts/tools';

const run = promisify(execFile);
const dir = path.join(projectRoot, 'deploy', 'prometheus');

/** promtool comes with Debian's prometheus package, which the project's installer provides. */
async function promtool(...args: string[]) {
  const prometheus = await ensureTool('prometheus');
  const binary = path.join(path.dirname(prometheus), 'promtool');
  return run(binary, args, { cwd: dir });
}

describe('the Prometheus rules under deploy/prometheus', () => {
  it('are valid recording and alert rules', async () => {
    const { stdout } = await promtool('check', 'rules', 'recording-rules.yml', 'alert-rules.yml');
    expect(stdout).toMatch(/recording-rules\.yml\s+SUCCESS: \d+ rules found/);
    expect(stdout).toMatch(/alert-rules\.yml\s+SUCCESS: 8 rules found/);
  });

  it('fire on the series that should wake someone and stay quiet on healthy ones (promtool test rules)', async () => {
    const { stdout } = await promtool('test', 'rules', 'alert-rules.test.yml');
    expect(stdout).toContain('SUCCESS');
  });

  it("Alertmanager's configuration is valid (amtool, from Debian's prometheus-alertmanager)", async () => {
    const alertmanager = await ensureTool('alertmanager');
    const { stdout } = await run(path.join(path.dirname(alertmanager), 'amtool'), ['check-config', 'alertmanager.yml'], { cwd: dir });
    expect(stdout).toContain('SUCCESS');
  });

  it('the scrape configuration is valid', async () => {
    const { stdout } = await promtool('check', 'config', 'prometheus.yml');
    expect(stdout).toContain('SUCCESS');
  });

  it('the configuration start:prometheus writes is valid, with static targets and with Consul discovery', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-config-'));
    const targets = { gateway: '127.0.0.1:3000', orchestrator: '127.0.0.1:3003', supplier: '127.0.0.1:3001', carrier: '127.0.0.1:3002' };
    const variants = {
      static: prometheusConfig({ targets, alertmanager: '127.0.0.1:9093' }),
      consul: prometheusConfig({ targets, targetsFile: path.join(dir, 'consul-targets.json') }),
    };
    for (const [name, text] of Object.entries(variants)) {
      const file = path.join(dir, `${name}.yml`);
      fs.writeFileSync(file, text);
      const { stdout } = await promtool('check', 'config', file);
      expect(stdout).toContain('SUCCESS');
    }
  });
});
