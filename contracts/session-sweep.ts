import { z } from 'zod';
import { activityTaskQueues } from './temporal';

/**
 * The session sweep: a Temporal Schedule (id `session-sweep`, visible in the Web UI) that the orchestrator creates at
 * start runs workflow `sessionSweep` on the `purchases` task queue every SESSION_SWEEP_INTERVAL; the workflow calls the
 * store's activity that deletes expired sessions. The names here are what the schedule, the worker and the tests share.
 */
export const sessionSweepScheduleId = 'session-sweep';
export const sessionSweepWorkflowType = 'sessionSweep';

/** What one sweep did. */
export const SessionSweepResult = z.object({ deleted: z.number().int().min(0) });
export type SessionSweepResult = z.infer<typeof SessionSweepResult>;

export const sessionSweepContract = {
  taskQueue: activityTaskQueues.store,
  activities: {
    /**
     * Deletes every session past its sliding expiry or its absolute lifetime (SESSION_MAX_AGE, as the orchestrator is
     * configured), as of the attempt's clock. Idempotent: a second run finds nothing more to delete.
     */
    sweepExpiredSessions: { input: z.object({}).strict(), output: SessionSweepResult },
  },
} as const;

export type SessionSweepActivities = {
  sweepExpiredSessions(input: Record<string, never>): Promise<SessionSweepResult>;
};
