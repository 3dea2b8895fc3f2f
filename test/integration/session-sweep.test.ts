import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import pino from 'pino';
import { createSessionSweepActivities } from '../../activities/store/session-sweep';
import { sessionSweepScheduleId, sessionSweepWorkflowType } from '../../contracts/session-sweep';
import { taskQueues } from '../../contracts/temporal';
import type { StoreDb } from '../../prisma/clients';
import { ensureSessionSweepSchedule } from '../../workers/session-sweep-schedule';
import { workflowBundleFor } from '../../workers/workflow-bundle';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';
import { createTemporalTestEnvironment } from '../support/temporal-env';

const hour = 3_600_000;
const maxAgeMs = 2 * hour;

/** A user with three sessions: one in use, one past its sliding expiry, one past its absolute age (SESSION_MAX_AGE). */
async function seedSessions(store: StoreDb) {
  const userId = randomUUID();
  await store.user.create({ data: { id: userId, email: `${userId}@example.com`, passwordHash: 'x' } });
  const now = Date.now();
  const session = (createdAgoMs: number, expiresInMs: number) => ({
    id: randomUUID(),
    userId,
    secretHash: new Uint8Array(32),
    createdAt: new Date(now - createdAgoMs),
    expiresAt: new Date(now + expiresInMs),
  });
  const live = session(hour / 2, hour / 2);
  const expired = session(hour, -60_000);
  const tooOld = session(maxAgeMs + 60_000, hour / 2);
  await store.session.createMany({ data: [live, expired, tooOld] });
  return { userId, live: live.id, expired: expired.id, tooOld: tooOld.id };
}

const sessionIds = async (store: StoreDb, userId: string) =>
  (await store.session.findMany({ where: { userId }, select: { id: true } })).map((row) => row.id).sort();

describeEachEngine('the session sweep activity', (engine) => {
  let dbs: TestDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
  });
  afterAll(() => dbs?.drop());

  it('deletes the sessions past their expiry or their absolute age, keeps the live ones, and changes nothing when repeated', async () => {
    const { userId, live } = await seedSessions(dbs.store);
    const { sweepExpiredSessions } = createSessionSweepActivities(dbs.store, { maxAgeMs });
    expect(await sweepExpiredSessions({})).toEqual({ deleted: 2 });
    expect(await sessionIds(dbs.store, userId)).toEqual([live]);
    expect(await sweepExpiredSessions({})).toEqual({ deleted: 0 });
    expect(await sessionIds(dbs.store, userId)).toEqual([live]);
  });
});

describe('the session-sweep Schedule on a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleOption;
  let dbs: TestDatabases;
  let worker: Worker;
  let running: Promise<void>;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    [env, bundle, dbs] = await Promise.all([
      createTemporalTestEnvironment(),
      workflowBundleFor(require.resolve('../../workflows')),
      createTestDatabases('sqlite'),
    ]);
    // The orchestrator's queue, with the sweep's activity as the orchestrator registers it.
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: taskQueues.purchases,
      workflowBundle: bundle,
      activities: createSessionSweepActivities(dbs.store, { maxAgeMs }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await dbs?.drop();
    await env?.teardown();
  });

  const ensure = (intervalMs: number) =>
    ensureSessionSweepSchedule(env.nativeConnection, { namespace: env.namespace ?? 'default', intervalMs, logger });

  it('is created once by each start, however many, running the sweep workflow on the orchestrator’s queue', async () => {
    await Promise.all([ensure(hour), ensure(hour)]);
    await ensure(hour);
    const description = await env.client.schedule.getHandle(sessionSweepScheduleId).describe();
    expect(description.spec.intervals?.map((interval) => Number(interval.every))).toEqual([hour]);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: sessionSweepWorkflowType, taskQueue: taskQueues.purchases });
    const listed: string[] = [];
    for await (const schedule of env.client.schedule.list()) listed.push(schedule.scheduleId);
    expect(listed.filter((id) => id === sessionSweepScheduleId)).toHaveLength(1);

    // A start with another SESSION_SWEEP_INTERVAL brings the Schedule in line with it.
    await ensure(2 * hour);
    const updated = await env.client.schedule.getHandle(sessionSweepScheduleId).describe();
    expect(updated.spec.intervals?.map((interval) => Number(interval.every))).toEqual([2 * hour]);
  });

  it('deletes expired sessions and keeps live ones when triggered', async () => {
    await ensure(hour);
    const { userId, live, expired, tooOld } = await seedSessions(dbs.store);
    expect(await sessionIds(dbs.store, userId)).toEqual([live, expired, tooOld].sort());

    const handle = env.client.schedule.getHandle(sessionSweepScheduleId);
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    let action: { workflowId: string; firstExecutionRunId: string } | undefined;
    for (let tries = 0; !action && tries < 300; tries += 1) {
      const recent = (await handle.describe()).info.recentActions;
      if (recent.length > before) action = recent[recent.length - 1]!.action.workflow;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!action) throw new Error('the triggered sweep never started');
    const result = await env.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId).result();
    expect(result).toEqual({ deleted: 2 });
    expect(await sessionIds(dbs.store, userId)).toEqual([live]);
    expect(action.workflowId.startsWith(sessionSweepScheduleId)).toBe(true);
  });
});
