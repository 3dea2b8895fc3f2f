import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { CodedError } from '../../contracts/errors';
import type { Purchase } from '../../contracts/purchase';
import { requestCancellationUpdate } from '../../contracts/temporal';
import { rethrowTemporalUnavailable } from '../temporal-errors';
import type { WithinDeadline } from './temporal-deadline';

/**
 * Asks the saga to cancel with its update, which, unlike the signal, says whether the cancel was accepted: no race
 * with the confirmation. The workflow's refusals become the contract's codes: 400 for an invalid reason, 409 once the
 * purchase can no longer be cancelled.
 */
export async function cancelSaga(
  temporal: Client,
  withinDeadline: WithinDeadline,
  purchaseId: string,
  workflowId: string,
  reason: string | undefined,
): Promise<Purchase> {
  const handle = temporal.workflow.getHandle(workflowId);
  try {
    return await withinDeadline(() =>
      handle.executeUpdate(requestCancellationUpdate, { args: [reason === undefined ? {} : { reason }] }),
    );
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === 'VALIDATION_FAILED') {
      throw new CodedError('VALIDATION_FAILED', error.cause.message);
    }
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      // NOT_CANCELLABLE from the workflow's validator, or the workflow completing before the update did.
      throw new CodedError('NOT_CANCELLABLE', error.cause.message || `Purchase ${purchaseId} can no longer be cancelled`);
    }
    if (error instanceof WorkflowNotFoundError) {
      throw new CodedError('NOT_CANCELLABLE', `Purchase ${purchaseId} is finished and can no longer be cancelled`);
    }
    return rethrowTemporalUnavailable(error);
  }
}
