/**
 * The workflow's interceptors, bundled with it (`workflowInterceptorModules` in observability/temporal-tracing.ts lists
 * this module for the worker, the bundle and replay). Temporal's OpenTelemetry interceptors continue the gateway's trace (`RunWorkflow:purchase`,
 * `StartActivity:*`) and send their spans out through the worker's `exporter` sink; ours carry the request context
 * (request id, trace id) from the start's headers to every activity and onto every workflow log line.
 */
import type * as TracingInterceptors from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { readRequestContext, withRequestContext, type RequestContext } from '../contracts/request-context';

/** Where Temporal's OpenTelemetry interceptors carry the trace context in headers. */
const traceHeader = '_tracer-data';

/**
 * False when the start carried a trace context that is not sampled (a gateway that exports no spans): nothing of this
 * run would be recorded, so Temporal's OpenTelemetry interceptors, a good part of the workflow's CPU, need not run.
 * A start with no trace context at all (the CLI, another client) keeps them, and starts a trace of its own.
 */
export function traced(headers: Headers): boolean {
  const payload = headers[traceHeader];
  if (!payload) return true;
  try {
    const { traceparent } = defaultPayloadConverter.fromPayload<{ traceparent?: string }>(payload);
    const flags = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-([\da-f]{2})$/.exec(traceparent ?? '')?.[1];
    return flags === undefined || (parseInt(flags, 16) & 1) === 1;
  } catch {
    return true;
  }
}

// Resolved by webpack when the bundle is built; calling it only evaluates the module.
declare const require: (module: string) => unknown;

/**
 * Temporal's OpenTelemetry interceptors, evaluated only by a traced run: a workflow's modules are evaluated anew for
 * every run, and this one sets up a tracer and OpenTelemetry's modules, for nothing in an untraced run.
 */
function tracingInterceptors(): typeof TracingInterceptors {
  return require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof TracingInterceptors;
}

/**
 * An interceptor made by `make()` on first use, whose methods run only while `active()`; otherwise each call passes
 * straight on to `next`. A method `make()`'s interceptor lacks passes on too.
 */
function whileActive<T extends object>(make: () => T, active: () => boolean): T {
  let made: T | undefined;
  return new Proxy({} as T, {
    get(_target, property) {
      // Not a thenable, and no symbols: only the interceptor methods the SDK composes by name.
      if (typeof property !== 'string' || property === 'then') return undefined;
      return (input: unknown, next: (input: unknown) => unknown) => {
        if (!active()) return next(input);
        made ??= make();
        const method = (made as Record<string, unknown>)[property];
        return typeof method === 'function' ? method.call(made, input, next) : next(input);
      };
    },
  });
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  // One per workflow run: the factory is called for each.
  let context: RequestContext = {};
  let purchaseId: string | undefined;
  // Decided by the start's headers; the start is the first thing a run handles.
  let tracing = false;

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

  const decideTracing: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      tracing = traced(input.headers);
      return next(input);
    },
  };
  const whileTracing = () => tracing;

  return {
    // Temporal's first (after the decision), so its span is the parent of what ours does.
    inbound: [decideTracing, whileActive(() => new (tracingInterceptors().OpenTelemetryInboundInterceptor)(), whileTracing), inbound],
    outbound: [whileActive(() => new (tracingInterceptors().OpenTelemetryOutboundInterceptor)(), whileTracing), outbound],
    // It releases a traced run's context manager when the run leaves the cache.
    internals: [whileActive(() => new (tracingInterceptors().OpenTelemetryInternalsInterceptor)(), whileTracing)],
  };
};
