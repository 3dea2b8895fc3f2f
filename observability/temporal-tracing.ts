import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { readRequestContext, withRequestContext, type RequestContext } from '../contracts/request-context';
import { currentLogContext, withLogContext, type LogContext, type Logger } from '../logging';
import type { Tracing } from './tracing';

/**
 * Tracing and request context across Temporal, the Node side (the workflow side is workflows/interceptors.ts): the
 * gateway's client continues the request's trace into the workflow and sends the request context with the start;
 * each activity continues the trace (`RunActivity:*`) and logs with the purchase's request id and trace id.
 */

/** The workflow interceptor modules, for the worker, a prebuilt bundle (`workflowInterceptorModules`) and replay. */
export const workflowInterceptorModules = [require.resolve('../workflows/interceptors')];

/** The gateway's client interceptors. */
export function clientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor(), requestContextClientInterceptor] };
}

/** The request that is starting the workflow, as the gateway's log context has it. */
function requestContextNow(): RequestContext {
  const { requestId, traceId } = currentLogContext();
  return { ...(requestId ? { requestId } : {}), ...(traceId ? { traceId } : {}) };
}

const requestContextClientInterceptor: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next({ ...input, headers: withRequestContext(input.headers, requestContextNow()) }),
  signalWithStart: (input, next) => next({ ...input, headers: withRequestContext(input.headers, requestContextNow()) }),
  startUpdateWithStart: (input, next) =>
    next({ ...input, workflowStartHeaders: withRequestContext(input.workflowStartHeaders, requestContextNow()) }),
};

/**
 * Activity interceptors for every worker: Temporal's OpenTelemetry ones, then the purchase's log context. `logger` is
 * the process's own: its line for each activity done is the worker's part of a purchase, shown by `npm start` beside
 * the gateway's request lines, where the SDK's own lines (`sdkComponent`) stay at warnings.
 */
export function activityInterceptors(logger: Logger): ActivityInterceptorsFactory[] {
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    (ctx) => {
      let fields: LogContext = {};
      return {
        inbound: {
          async execute(input, next) {
            const { workflowExecution, activityType, attempt } = ctx.info;
            const purchaseId = purchaseIdOf(input.args[0]);
            fields = {
              ...currentLogContext(),
              ...(workflowExecution ? { workflowId: workflowExecution.workflowId } : {}),
              ...(purchaseId ? { purchaseId } : {}),
              ...readRequestContext(input.headers),
            };
            const started = performance.now();
            return withLogContext(fields, async () => {
              const result = await next(input);
              // One line per activity done, so every process shows its part of a purchase at the default level.
              logger.info({ activityType, attempt, durationMs: Math.round(performance.now() - started) }, `${activityType} completed`);
              return result;
            });
          },
        },
        outbound: {
          // The SDK's own activity lines (failures, and every attempt at debug) carry the same fields.
          getLogAttributes: (input, next) => next({ ...fields, ...input }),
        },
      };
    },
  ];
}

/** Activities take an object with the purchase (`{purchase: {id}}`) or its id (`{purchaseId}`). */
function purchaseIdOf(arg: unknown): string | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const { purchaseId, purchase } = arg as { purchaseId?: unknown; purchase?: { id?: unknown } };
  if (typeof purchaseId === 'string') return purchaseId;
  return typeof purchase?.id === 'string' ? purchase.id : undefined;
}

/**
 * The sink through which the workflow's spans leave the sandbox, to this process's span processor. Every worker of the
 * bundle needs it (the interceptors are in the bundle): without tracing, as in tests and replay, the spans are dropped.
 */
export function workflowSinks(
  tracing: Pick<Tracing, 'processor' | 'resource'> = { processor: new NoopSpanProcessor(), resource: Resource.empty() },
): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) };
}
