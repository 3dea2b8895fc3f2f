import { startSystem, type RunningSystem } from '../../harness/system';

/**
 * The image and the chart stop a process with SIGTERM straight to Node (exec form, no shell or npm in between). Each
 * worker, started the way the image starts it (`node --import tsx <entry>`), must drain and exit 0 on its own, well
 * before the 15 s after which the test helper (like Kubernetes after its grace period) would kill it.
 */
describe('SIGTERM to a process started as the image starts it', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem({ env: { PURCHASE_CANCEL_WINDOW: '0s', LOG_LEVEL: 'info' } });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('drains each worker after it has done work, and it exits 0', async () => {
    const { token } = await system.newUser();
    const done = await system.purchase(token);
    expect(done.status).toBe('COMPLETED');

    for (const worker of ['orchestrator', 'supplier', 'carrier']) {
      const outcome = await system.stopProcess(worker, 'SIGTERM');
      expect({ worker, ...outcome }).toEqual({ worker, code: 0, signal: null });
      const lines = system.logs.filter((line) => line.startsWith(`[${worker}]`)).join('\n');
      expect(lines).toContain('SIGTERM: shutting down');
      expect(lines).toContain('Worker drained');
    }
  }, 180_000);

  it('stops the gateway with exit code 0', async () => {
    expect(await system.stopProcess('gateway', 'SIGTERM')).toEqual({ code: 0, signal: null });
  }, 60_000);
});
