import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  erasedPasswordHash,
  erasureTaskQueue,
  erasureWorkflowId,
  erasureWorkflowType,
  ErasureResult,
  type Erasure,
  type ErasureInput,
} from '../../contracts/erasure';
import { CodedError } from '../../contracts/errors';
import { searchAttributes } from '../../contracts/temporal';
import type { StoreDb } from '../../prisma/clients';
import { withinDeadlineOf } from '../purchases/temporal-deadline';
import { rethrowTemporalUnavailable } from '../temporal-errors';

const notFound = (what: string) => new CodedError('NOT_FOUND', `No ${what}`);

/**
 * A customer's erasure, as the gateway starts and reads it (the workflow and what it does: contracts/erasure.ts).
 * One workflow per customer: a request while one runs joins it, a request after it ran runs it again, which finds
 * nothing left to change.
 */
export function createErasureService(deps: { store: StoreDb; temporal: Client; temporalTimeoutMs: number }) {
  const { store, temporal } = deps;
  const withinDeadline = withinDeadlineOf(temporal, deps.temporalTimeoutMs);

  return {
    /**
     * Starts the erasure of a user who exists (404 otherwise). Once Temporal holds the start, the user's sessions end
     * and no password signs in as them again, in one transaction: the erasure's own steps wait for the sagas to end.
     */
    async start(userId: string): Promise<Erasure> {
      const user = await store.user.findUnique({ where: { id: userId }, select: { id: true } });
      if (!user) throw notFound(`user ${userId}`);
      const workflowId = erasureWorkflowId(userId);
      const input: ErasureInput = { customerId: userId };
      try {
        await withinDeadline(() =>
          temporal.workflow.start(erasureWorkflowType, {
            taskQueue: erasureTaskQueue,
            workflowId,
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            args: [input],
            typedSearchAttributes: [{ key: searchAttributes.customerId, value: userId }],
            staticSummary: 'Erase a customer: cancel their purchases in flight, scrub their records, delete their histories',
          }),
        );
      } catch (error) {
        rethrowTemporalUnavailable(error);
      }
      await store.$transaction([
        store.session.deleteMany({ where: { userId } }),
        store.user.update({ where: { id: userId }, data: { passwordHash: erasedPasswordHash } }),
      ]);
      return { id: workflowId, userId, status: 'RUNNING' };
    },

    /** The erasure of that id, with its result once it completed; 404 when there is none. */
    async get(id: string): Promise<Erasure> {
      const prefix = erasureWorkflowId('');
      if (!id.startsWith(prefix) || id.length === prefix.length) throw notFound(`erasure ${id}`);
      const userId = id.slice(prefix.length);
      const handle = temporal.workflow.getHandle(id);
      try {
        const { status } = await withinDeadline(() => handle.describe());
        if (status.name === 'RUNNING') return { id, userId, status: 'RUNNING' };
        if (status.name !== 'COMPLETED') return { id, userId, status: 'FAILED' };
        const result = ErasureResult.parse(await withinDeadline(() => handle.result()));
        return { id, userId, status: 'COMPLETED', result };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw notFound(`erasure ${id}`);
        if (error instanceof WorkflowFailedError) return { id, userId, status: 'FAILED' };
        return rethrowTemporalUnavailable(error);
      }
    },
  };
}

export type ErasureService = ReturnType<typeof createErasureService>;
