import { Writable } from 'node:stream';
import pino from 'pino';
import { startLiveConfig, type LiveConfig } from '../../config/live-config';
import { putSetting, startConsulAgent, type ConsulAgent } from '../support/consul-agent';

/** A logger whose JSON lines the test can read. */
function capturedLogger() {
  const lines: { level: number; msg: string; key?: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('live configuration from a real Consul agent', () => {
  let consul: ConsulAgent;
  const opened: LiveConfig[] = [];
  beforeAll(async () => {
    consul = await startConsulAgent();
  }, 60_000);
  afterAll(async () => {
    for (const live of opened) live.close();
    await consul?.stop();
    consul?.remove();
  });
  const start = async (env: NodeJS.ProcessEnv, logger: pino.Logger) => {
    const live = await startLiveConfig({ env: { CONSUL_HTTP_ADDR: consul.address, ...env }, logger });
    opened.push(live);
    return live;
  };

  it('reads its APP_ENV folder at start, follows live keys, refuses bad values and defers the rest to the next start', async () => {
    await putSetting(consul, 'RATE_LIMIT_PER_MINUTE', '250', 'staging');
    await putSetting(consul, 'SESSION_TTL', '2d', 'staging');
    await putSetting(consul, 'RATE_LIMIT_PER_MINUTE', '999', 'prod');
    const { logger, lines } = capturedLogger();
    const live = await start({ APP_ENV: 'staging' }, logger);
    expect(live.current().rateLimitPerMinute).toBe(250);
    expect(live.current().sessionTtlMs).toBe(2 * 24 * 3600 * 1000);
    const changes: string[][] = [];
    live.onChange((_config, changed) => changes.push(changed));

    await putSetting(consul, 'RATE_LIMIT_PER_MINUTE', '300', 'staging');
    await until('the new limit', () => live.current().rateLimitPerMinute === 300);
    expect(changes).toEqual([['rateLimitPerMinute']]);

    await putSetting(consul, 'RATE_LIMIT_PER_MINUTE', '-5', 'staging');
    await until('the refusal', () => lines.some((line) => line.key === 'purchase-saga/staging/RATE_LIMIT_PER_MINUTE' && line.level === 50));
    expect(live.current().rateLimitPerMinute).toBe(300);

    await putSetting(consul, 'SESSION_TTL', '1d', 'staging');
    await until('the next-start notice', () => lines.some((line) => line.key === 'purchase-saga/staging/SESSION_TTL' && /next start/.test(line.msg)));
    expect(live.current().sessionTtlMs).toBe(2 * 24 * 3600 * 1000);

    await putSetting(consul, 'LOG_LEVEL', 'error', 'staging');
    await until('the logger at error', () => logger.level === 'error');
  }, 60_000);

  it('refuses a KV value outside its bounds, logged with its key, and keeps the last good value', async () => {
    await putSetting(consul, 'LOGIN_FAILURE_MEMORY', '20m', 'prod');
    await putSetting(consul, 'PURCHASE_CANCEL_WINDOW', '10s', 'prod');
    const { logger, lines } = capturedLogger();
    const live = await start({ APP_ENV: 'prod' }, logger);
    expect(live.current().loginThrottle.failureMemoryMs).toBe(20 * 60_000);
    const refused = (name: string) => () =>
      lines.some((line) => line.key === `purchase-saga/prod/${name}` && line.level === 50 && /Refused/.test(line.msg));

    // 30 days would overflow the throttle's timer; 100 years is no cancellation window.
    await putSetting(consul, 'LOGIN_FAILURE_MEMORY', '30d', 'prod');
    await until('the refusal of LOGIN_FAILURE_MEMORY', refused('LOGIN_FAILURE_MEMORY'));
    await putSetting(consul, 'PURCHASE_CANCEL_WINDOW', '100y', 'prod');
    await until('the refusal of PURCHASE_CANCEL_WINDOW', refused('PURCHASE_CANCEL_WINDOW'));
    // Within its own bounds, but above the maximum interval in force (30s): refused as a combination.
    await putSetting(consul, 'ACTIVITY_RETRY_INITIAL_INTERVAL', '1m', 'prod');
    await until('the refusal of ACTIVITY_RETRY_INITIAL_INTERVAL', refused('ACTIVITY_RETRY_INITIAL_INTERVAL'));
    expect(lines.find((line) => line.key === 'purchase-saga/prod/LOGIN_FAILURE_MEMORY' && line.level === 50)?.msg).toMatch(/at most 24d/);

    // A good value after them is followed, so the watch still runs; the refused ones never came into force.
    await putSetting(consul, 'LOGIN_FAILURE_MEMORY', '25m', 'prod');
    await until('the good value', () => live.current().loginThrottle.failureMemoryMs === 25 * 60_000);
    expect(live.current().purchase.cancelWindow).toBe('10s');
    expect(live.current().purchase.retryInitialInterval).toBe('1s');
  }, 60_000);

  it('lets the environment win over KV for a live setting too', async () => {
    await putSetting(consul, 'CARRIER_DAILY_CAPACITY', '7');
    const { logger } = capturedLogger();
    const live = await start({ CARRIER_DAILY_CAPACITY: '3' }, logger);
    const other = await start({}, capturedLogger().logger);
    expect(live.current().services.carrier.dailyCapacity).toBe(3);
    expect(other.current().services.carrier.dailyCapacity).toBe(7);
    await putSetting(consul, 'CARRIER_DAILY_CAPACITY', '8');
    await until('the other process following KV', () => other.current().services.carrier.dailyCapacity === 8);
    expect(live.current().services.carrier.dailyCapacity).toBe(3);
  }, 60_000);

  it('keeps the last good settings while the agent is away and follows KV again when it is back', async () => {
    const agent = await startConsulAgent();
    try {
      await putSetting(agent, 'PURCHASE_CANCEL_WINDOW', '45s');
      const { logger, lines } = capturedLogger();
      const live = await startLiveConfig({ env: { CONSUL_HTTP_ADDR: agent.address }, logger });
      opened.push(live);
      expect(live.current().purchase.cancelWindow).toBe('45s');
      await agent.kill();
      await until('the watch noticing', () => lines.some((line) => /does not answer/.test(line.msg)));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(live.current().purchase.cancelWindow).toBe('45s');

      // Back on its own data folder, with its KV: a change made after that is followed.
      const back = await startConsulAgent({ httpPort: agent.httpPort, dataDir: agent.dataDir });
      try {
        await putSetting(back, 'PURCHASE_CANCEL_WINDOW', '50s');
        await until('the change after the agent came back', () => live.current().purchase.cancelWindow === '50s', 20_000);
      } finally {
        await back.stop();
      }
    } finally {
      agent.remove();
    }
  }, 90_000);

  it('starts with the environment and the defaults when the agent does not answer, and never waits long for it', async () => {
    const live = await startLiveConfig({
      env: { CONSUL_HTTP_ADDR: '127.0.0.1:1', RATE_LIMIT_PER_MINUTE: '42' },
      logger: capturedLogger().logger,
      firstReadTimeoutMs: 1_000,
    });
    opened.push(live);
    expect(live.current().rateLimitPerMinute).toBe(42);
    expect(live.current().purchase.cancelWindow).toBe('30s');
  });
});
