import { createStartOutput, levelOf } from '../../../scripts/start-output';

const pino = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level, time: Date.UTC(2026, 0, 1, 12, 0, 0), service: 'gateway', pid: 1, msg, ...extra });

describe('what npm start shows of its processes', () => {
  const printed: string[] = [];
  const output = createStartOutput({ services: ['gateway'], print: (line) => printed.push(line), colorize: false });
  beforeEach(() => (printed.length = 0));

  it('reads the level of pino, zap/slog JSON and logfmt lines', () => {
    expect(levelOf(pino(40, 'x')).level).toBe(40);
    expect(levelOf('{"level":"error","msg":"x"}').level).toBe(50);
    expect(levelOf('time=2026 level=WARN source=main.go msg=x').level).toBe(40);
    expect(levelOf('Server:  localhost:7233').level).toBeUndefined();
  });

  it('while starting, shows only warnings and errors; holds the rest for a process that fails', () => {
    output.line('gateway', pino(30, 'Migrating the store database'));
    output.line('temporal', 'CLI 1.4.1 (Server 1.29.1)');
    output.line('gateway', pino(40, 'Redis does not answer yet'));
    expect(printed).toEqual([expect.stringMatching(/^\[gateway\]\s+\[\d\d:\d\d:\d\d\] WARN: Redis does not answer yet$/)]);
    output.replay('gateway');
    expect(printed[1]).toMatch(/^\[gateway\]\s+\[\d\d:\d\d:\d\d\] INFO: Migrating the store database$/);
  });

  it("once ready, shows a service's info lines but not a back-end's nor the SDK's", () => {
    output.systemReady();
    output.line('gateway', pino(30, 'request', { status: 200 }));
    output.line('gateway', pino(30, 'Worker state changed', { sdkComponent: 'worker' }));
    output.line('prometheus', 'time=2026 level=INFO msg="Server is ready"');
    output.line('prometheus', 'time=2026 level=ERROR msg="scrape failed"');
    expect(printed).toEqual([
      expect.stringMatching(/^\[gateway\]\s+\[\d\d:\d\d:\d\d\] INFO: request \{"status":200\}$/),
      '[prometheus]   time=2026 level=ERROR msg="scrape failed"',
    ]);
  });
});
