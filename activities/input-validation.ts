import { ApplicationFailure } from '@temporalio/common';
import { invalidActivityInput, type ActivitiesOf, type ActivitySchemas } from '../contracts/activities';
import { activityTimeouts } from '../contracts/timeouts';
import { asActivityFailure } from './database-failures';
import { withHeartbeat } from './heartbeat';

// Every owner's activities heartbeat alike (contracts/timeouts.ts).
const heartbeatEveryMs = Math.min(...Object.values(activityTimeouts).map((owner) => owner.heartbeatEveryMs));

/**
 * Wraps an owner's activities so that each validates its input against the contract at entry. A refused input is a
 * non-retryable INVALID_ACTIVITY_INPUT naming the activity and each field, rather than a crash deep in a transaction
 * (and retrying the same input cannot help). The implementation receives the parsed input, and heartbeats as it runs;
 * a permanent database error it throws leaves as a non-retryable failure (./database-failures).
 */
export function validatedActivities<Schemas extends ActivitySchemas>(
  contract: { activities: Schemas },
  implementations: ActivitiesOf<Schemas>,
): ActivitiesOf<Schemas> {
  const entries = Object.entries(contract.activities).map(([name, schemas]) => {
    const implementation = implementations[name as keyof Schemas] as (input: unknown) => Promise<unknown>;
    const validated = async (input: unknown) => {
      const parsed = schemas.input.safeParse(input);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
        throw ApplicationFailure.nonRetryable(`${name}: invalid input (${problems.join('; ')})`, invalidActivityInput, {
          activity: name,
          problems,
        });
      }
      try {
        return await withHeartbeat(heartbeatEveryMs, () => implementation(parsed.data));
      } catch (error) {
        throw asActivityFailure(name, error);
      }
    };
    return [name, validated];
  });
  return Object.fromEntries(entries) as ActivitiesOf<Schemas>;
}
