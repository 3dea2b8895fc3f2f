import { Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import { erasureContracts, type ErasureHistoryActivities } from '../../contracts/erasure';
import { purchaseWorkflowType, searchAttributes } from '../../contracts/temporal';
import { validatedActivities } from '../input-validation';

// gRPC status codes, as the connection's errors carry them.
const notFound = 5;
const invalidArgument = 3;
const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;
const isNotFound = (error: unknown) => codeOf(error) === notFound;
const isInvalidArgument = (error: unknown) => codeOf(error) === invalidArgument;
const { WorkflowExecutionStatus, HistoryEventFilterType } = temporal.api.enums.v1;

/**
 * Temporal's part of an erasure (contracts/erasure.ts), run by the orchestrator on its own connection. Both read the
 * service's raw answers: no payload is decoded here, so no key is needed and none of the customer's data passes by.
 */
export function createErasureHistoryActivities(connection: NativeConnection, namespace: string): ErasureHistoryActivities {
  const service = connection.workflowService;

  /** The close event of a workflow's latest run, long-polled (the server answers within about 20 s, empty or not). */
  async function waitUntilClosed(workflowId: string): Promise<void> {
    for (;;) {
      Context.current().heartbeat();
      try {
        const page = await service.getWorkflowExecutionHistory({
          namespace,
          execution: { workflowId },
          waitNewEvent: true,
          historyEventFilterType: HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
          skipArchival: true,
        });
        if ((page.history?.events?.length ?? 0) > 0) return;
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
    }
  }

  /** The latest run of each named id and, `byCustomer`, every run of the customer's purchase workflows visibility knows. */
  async function executionsOf(customerId: string, workflowIds: string[], byCustomer: boolean) {
    const found = new Map<string, { workflowId: string; runId: string; running: boolean }>();
    const add = (info: temporal.api.workflow.v1.IWorkflowExecutionInfo | null | undefined) => {
      const workflowId = info?.execution?.workflowId;
      const runId = info?.execution?.runId;
      if (!workflowId || !runId) return;
      found.set(runId, {
        workflowId,
        runId,
        running: info.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      });
    };
    const query = `WorkflowType = '${purchaseWorkflowType}' AND ${searchAttributes.customerId.name} = '${customerId.replace(/'/g, '')}'`;
    let nextPageToken: Uint8Array | undefined;
    if (byCustomer) {
      try {
        do {
          Context.current().heartbeat();
          const page = await service.listWorkflowExecutions({ namespace, query, pageSize: 500, nextPageToken });
          for (const info of page.executions ?? []) add(info);
          nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
        } while (nextPageToken);
      } catch (error) {
        // A visibility store that cannot filter by a custom search attribute refuses the query: the store's records
        // still name every purchase, so the erasure goes on with those rather than retry a query that cannot pass.
        if (!isInvalidArgument(error)) throw error;
        Context.current().log.warn('Visibility refused the CustomerId query; deleting the purchases the store names', {
          error: String(error),
        });
      }
    }
    for (const workflowId of workflowIds) {
      try {
        const described = await service.describeWorkflowExecution({ namespace, execution: { workflowId } });
        add(described.workflowExecutionInfo);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return [...found.values()];
  }

  /**
   * The server deletes in the background, seconds or more after it accepted the deletion: the erasure says done once
   * no history of these runs can be read any more, and a second erasure finds nothing left.
   */
  async function untilGone(executions: { workflowId: string; runId: string }[]): Promise<void> {
    let remaining = executions;
    while (remaining.length > 0) {
      Context.current().heartbeat();
      const still: typeof remaining = [];
      for (const execution of remaining) {
        try {
          await service.describeWorkflowExecution({ namespace, execution });
          still.push(execution);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      remaining = still;
      if (remaining.length > 0) await Context.current().sleep(1_000);
    }
  }

  return validatedActivities(erasureContracts.histories, {
    async awaitWorkflowsClosed({ workflowIds }) {
      for (const workflowId of workflowIds) await waitUntilClosed(workflowId);
      return { closed: workflowIds.length };
    },

    async deletePurchaseWorkflows({ customerId, workflowIds, byCustomer }) {
      const deleted: { workflowId: string; runId: string }[] = [];
      const stillRunning: string[] = [];
      for (const execution of await executionsOf(customerId, workflowIds, byCustomer ?? false)) {
        // Deleting a running workflow would terminate it midway, with stock held: it is reported, never deleted.
        if (execution.running) {
          if (!stillRunning.includes(execution.workflowId)) stillRunning.push(execution.workflowId);
          continue;
        }
        try {
          await service.deleteWorkflowExecution({
            namespace,
            workflowExecution: { workflowId: execution.workflowId, runId: execution.runId },
          });
          deleted.push(execution);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      await untilGone(deleted);
      return { deleted: deleted.length, stillRunning };
    },
  });
}
