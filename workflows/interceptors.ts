/**
 * The workflow's interceptors, bundled with it (workers/workflow-interceptors.ts lists this module for the worker, the
 * bundle and replay). Temporal's OpenTelemetry interceptors continue the gateway's trace (`RunWorkflow:purchase`,
 * `StartActivity:*`) and send their spans out through the worker's `exporter` sink; ours carry the request context
 * (request id, trace id) from the start's headers to every activity and onto every workflow log line.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { readRequestContext, withRequestContext, type RequestContext } from '../contracts/request-context';

export const interceptors: WorkflowInterceptorsFactory = () => {
  // One per workflow run: the factory is called for each.
  let context: RequestContext = {};
  let purchaseId: string | undefined;

  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      context = readRequestContext(input.headers);
      const firstArg = input.args[0] as { purchaseId?: unknown } | undefined;
      if (typeof firstArg?.purchaseId === 'string') purchaseId = firstArg.purchaseId;
      return next(input);
    },
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input, next) {
      return next({ ...input, headers: withRequestContext(input.headers, context) });
    },
    // The store's record writes run as local activities: their log lines carry the same context.
    scheduleLocalActivity(input, next) {
      return next({ ...input, headers: withRequestContext(input.headers, context) });
    },
    getLogAttributes(input, next) {
      return next({ ...(purchaseId ? { purchaseId } : {}), ...context, ...input });
    },
  };

  return {
    // Temporal's first, so its span is the parent of what ours does.
    inbound: [new OpenTelemetryInboundInterceptor(), inbound],
    outbound: [new OpenTelemetryOutboundInterceptor(), outbound],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};
