import type { SessionSweepActivities } from '../../contracts/session-sweep';
import { sessionSweepContract } from '../../contracts/session-sweep';
import type { StoreDb } from '../../prisma/clients';
import { validatedActivities } from '../input-validation';

/**
 * The orchestrator's activity behind the session sweep: deletes the sessions that can no longer be used, those past
 * their sliding expiry and those signed in longer than `maxAgeMs` (SESSION_MAX_AGE) ago, whatever their expiry
 * says. The gateway refuses both already; this keeps the table from growing with sessions nobody ends.
 */
export function createSessionSweepActivities(
  db: StoreDb,
  settings: { maxAgeMs: number },
  now: () => number = Date.now,
): SessionSweepActivities {
  return validatedActivities(sessionSweepContract, {
    async sweepExpiredSessions() {
      const current = now();
      const { count } = await db.session.deleteMany({
        where: {
          OR: [{ expiresAt: { lte: new Date(current) } }, { createdAt: { lte: new Date(current - settings.maxAgeMs) } }],
        },
      });
      return { deleted: count };
    },
  });
}
