import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { sessionSweepScheduleId, sessionSweepWorkflowType } from '../contracts/session-sweep';
import { taskQueues } from '../contracts/temporal';
import type { Logger } from '../logging';

const note = 'Deletes expired sessions from the store (SESSION_TTL, SESSION_MAX_AGE); every SESSION_SWEEP_INTERVAL';

/**
 * Makes sure the `session-sweep` Schedule exists and runs the `sessionSweep` workflow every `intervalMs`. Idempotent:
 * each orchestrator calls it at start, the first creates the Schedule, the others find it (and bring its interval in
 * line with theirs when SESSION_SWEEP_INTERVAL changed). Runs that would overlap are skipped. A server that refuses
 * (no permission to manage schedules) is logged, not fatal: sessions are still refused when expired, only not deleted.
 */
export async function ensureSessionSweepSchedule(
  connection: NativeConnection,
  options: { namespace: string; intervalMs: number; logger: Logger },
): Promise<void> {
  const { namespace, intervalMs, logger } = options;
  const client = new Client({ connection, namespace });
  const spec = { intervals: [{ every: intervalMs }] };
  try {
    await client.schedule.create({
      scheduleId: sessionSweepScheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: sessionSweepWorkflowType,
        workflowId: sessionSweepScheduleId,
        taskQueue: taskQueues.purchases,
        args: [],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      state: { note },
    });
    logger.info({ scheduleId: sessionSweepScheduleId, everyMs: intervalMs }, 'Created the session sweep schedule');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) {
      logger.warn({ scheduleId: sessionSweepScheduleId, err: error }, 'Could not create the session sweep schedule');
      return;
    }
    try {
      const handle = client.schedule.getHandle(sessionSweepScheduleId);
      const description = await handle.describe();
      const every = description.spec.intervals?.map((interval) => Number(interval.every));
      if (every?.length === 1 && every[0] === intervalMs) return;
      await handle.update((previous) => ({ ...previous, spec }));
      logger.info({ scheduleId: sessionSweepScheduleId, everyMs: intervalMs }, 'Updated the session sweep interval');
    } catch (updateError) {
      logger.warn({ scheduleId: sessionSweepScheduleId, err: updateError }, 'Could not update the session sweep schedule');
    }
  }
}
