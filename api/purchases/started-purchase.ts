import { isGrpcServiceError, type Client } from '@temporalio/client';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import type { Purchase } from '../../contracts/purchase';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { PurchaseWorkflowInput } from '../../contracts/workflow-input';
import { receivedPurchase } from '../../domain/purchase-state';
import { rethrowTemporalUnavailable } from '../temporal-errors';
import type { WithinDeadline } from './temporal-deadline';

/** gRPC's NOT_FOUND: Temporal has no workflow of that id. */
const grpcNotFound = 5;

/**
 * A purchase whose saga Temporal has but which has no record yet (its first workflow task has not run): as its
 * start event's input says, RECEIVED. Undefined when Temporal has no such workflow. The history's first event is read
 * with the raw service call, one page of one event, rather than fetching the whole history.
 */
export async function startedPurchase(temporal: Client, withinDeadline: WithinDeadline, purchaseId: string): Promise<Purchase | undefined> {
  try {
    const { history } = await withinDeadline(() =>
      temporal.workflowService.getWorkflowExecutionHistory({
        namespace: temporal.options.namespace,
        execution: { workflowId: purchaseWorkflowId(purchaseId) },
        maximumPageSize: 1,
      }),
    );
    const payload = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) return undefined;
    // A raw read: the payload as stored, so the client's codec (decryption) runs before the payload converter.
    const input = await decodeOptionalSinglePayload(temporal.options.loadedDataConverter, payload);
    return receivedPurchase(PurchaseWorkflowInput.parse(input));
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === grpcNotFound) return undefined;
    return rethrowTemporalUnavailable(error);
  }
}
