/**
 * A Redis that stops answering after the gateway was ready (a real redis-server, asleep under `DEBUG SLEEP`, its
 * connections open and silent): rate-limited requests still get their answers while it sleeps, counted in the gateway's
 * memory (the limit holds: past it, 429), and /ready stays 200 saying Redis is away and limits are counted in memory;
 * once Redis answers again, /ready says so.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Redis } from 'ioredis';
import { freePort } from '../../net/ports';
import { startGatewayProcess } from '../support/gateway-process';
import { eventually, get } from '../support/http-probe';
import { createTemporalTestEnvironment } from '../support/temporal-env';

const sleepSeconds = 30;
const run = promisify(execFile);

let temporal: TestWorkflowEnvironment;
let redisServer: ChildProcess | undefined;
let redisPort: number;
beforeAll(async () => {
  temporal = await createTemporalTestEnvironment();
  redisPort = await freePort();
  redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'], {
    stdio: 'ignore',
  });
  await eventually(
    'redis-server answering',
    () => run('redis-cli', ['-p', String(redisPort), 'PING']).then(({ stdout }) => stdout.trim()),
    (answer) => answer === 'PONG',
  );
}, 120_000);
afterAll(async () => {
  redisServer?.kill('SIGKILL');
  await temporal?.teardown();
});

it('answers rate-limited requests while Redis hangs, limiting in memory, and /ready says so', async () => {
  const gateway = await startGatewayProcess({
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    RATE_LIMIT_PER_MINUTE: '4',
    TEMPORAL_ADDRESS: temporal.address,
  });
  const output = () => gateway.output;
  try {
    const ready = await eventually('/ready 200', () => get(`${gateway.url}/ready`), (answer) => answer.status === 200, output);
    expect(ready.body).toEqual({ status: 'ok', redis: 'up' });
    expect((await get(`${gateway.url}/openapi.json`)).status).toBe(200);

    // Redis stops answering: its connections stay open, nothing comes back until the sleep ends.
    const sleeper = spawn('redis-cli', ['-p', String(redisPort), 'DEBUG', 'SLEEP', String(sleepSeconds)], { stdio: 'ignore' });
    let asleep = true;
    const awake = new Promise<void>((resolve) => sleeper.once('exit', () => resolve()));
    void awake.then(() => (asleep = false));
    const probe = new Redis(redisPort, '127.0.0.1', { commandTimeout: 200, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await eventually('Redis hanging', () => probe.ping().then(() => 'answered', () => 'hung'), (answer) => answer === 'hung');
    } finally {
      probe.disconnect();
    }

    // Every request is answered while Redis still sleeps; the limit holds, counted in this gateway's memory.
    const statuses: number[] = [];
    for (let request = 0; request < 6; request += 1) statuses.push((await get(`${gateway.url}/openapi.json`)).status);
    expect(asleep).toBe(true);
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    expect(statuses.slice(4)).toEqual([429, 429]);

    const degraded = await get(`${gateway.url}/ready`);
    expect(asleep).toBe(true);
    expect(degraded).toEqual({ status: 200, body: { status: 'ok', redis: 'away, limiting in memory', degraded: ['redis'] } });
    // Said once in the log, as it happened.
    await eventually('the log saying Redis is away', async () => gateway.output.filter((line) => /Redis is away/.test(line)).length, (lines) => lines > 0, output);

    await awake;
    await eventually('/ready saying Redis is up again', () => get(`${gateway.url}/ready`), (answer) => answer.body?.redis === 'up', output);
    expect(gateway.running()).toBe(true);
  } finally {
    await gateway.stop();
  }
});
