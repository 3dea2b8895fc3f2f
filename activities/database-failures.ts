import { ApplicationFailure } from '@temporalio/common';
import { permanentDatabaseError } from '../prisma/errors';

/**
 * The failure type of a write its database refuses for good (a constraint, a record that cannot exist). Not a business
 * refusal: the saga compensates and ends FAILED with INTERNAL (workflows/purchase.ts, `failInternally`).
 */
export const permanentDatabaseFailure = 'PERMANENT_DATABASE_ERROR';

/**
 * An activity's error as Temporal should see it: a permanent database error becomes non-retryable, so the purchase
 * ends after one attempt instead of retrying for ever; anything else (a connection, a timeout, a busy file) is left
 * as it is, for Temporal to retry with backoff.
 */
export function asActivityFailure(activity: string, error: unknown): unknown {
  const permanent = permanentDatabaseError(error);
  if (!permanent) return error;
  const message = error instanceof Error ? error.message.trim().split('\n').at(-1) : String(error);
  return ApplicationFailure.create({
    type: permanentDatabaseFailure,
    message: `${activity}: the database refused the write for good, ${permanent.reason} (Prisma ${permanent.code}): ${message}`,
    nonRetryable: true,
    details: [{ activity, prismaCode: permanent.code }],
    ...(error instanceof Error ? { cause: error } : {}),
  });
}
