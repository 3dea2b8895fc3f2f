import { log, proxyActivities } from '@temporalio/workflow';
import type { SessionSweepActivities, SessionSweepResult } from '../contracts/session-sweep';
import { activityTimeouts } from '../contracts/timeouts';

const timeouts = activityTimeouts.store;

/**
 * One sweep of expired sessions, run by the `session-sweep` Schedule. A few attempts: a sweep that cannot reach the
 * database fails, and the next scheduled one does its work.
 */
export async function sessionSweep(): Promise<SessionSweepResult> {
  const { sweepExpiredSessions } = proxyActivities<SessionSweepActivities>({
    startToCloseTimeout: timeouts.startToCloseMs,
    heartbeatTimeout: timeouts.heartbeatTimeoutMs,
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 },
  });
  const result = await sweepExpiredSessions({});
  log.info('Swept expired sessions', { deleted: result.deleted });
  return result;
}
