import type { IncomingMessage } from 'node:http';
import type { Context } from '@opentelemetry/api';
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResourcesSync, envDetectorSync, hostDetectorSync, processDetectorSync, Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  type Sampler,
  type SamplingResult,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { PrismaInstrumentation } from '@prisma/instrumentation';

export type TracedService = 'gateway' | 'orchestrator' | 'supplier' | 'carrier';

export interface Tracing {
  /** Where finished spans go: the OTLP exporter's batch, or nowhere when no endpoint is set. */
  processor: SpanProcessor;
  resource: Resource;
  /** True when spans leave the process (an OTLP endpoint is set). */
  exporting: boolean;
  /** Sends the spans still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

/** Probes and scrapes would bury the purchases' traces: they get no spans. */
const untracedPaths = new Set(['/health', '/ready', '/metrics']);

let started: Tracing | undefined;

/**
 * OpenTelemetry for this process. Trace context is always on, so that a `traceparent` is continued, the gateway
 * answers one, and every log line about a purchase has a trace id; spans leave the process only when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, over OTLP/HTTP, and the exporter
 * honours the other standard OTLP variables (headers, timeout, compression), as the provider honours
 * `OTEL_TRACES_SAMPLER`, `OTEL_PROPAGATORS`, `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_BSP_*`. `OTEL_SDK_DISABLED=true`
 * turns it all off.
 *
 * Instrumented: HTTP servers (the gateway, the owners' APIs), fetch (the gateway's proxied calls) and Prisma queries.
 * Temporal's own spans come from its interceptors (observability/temporal-tracing.ts).
 */
export function startTracing(service: TracedService, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (started) return started;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: service }).merge(
    detectResourcesSync({ detectors: [envDetectorSync, hostDetectorSync, processDetectorSync] }),
  );
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  if (disabled) {
    started = { processor: new NoopSpanProcessor(), resource, exporting: false, shutdown: async () => undefined };
    return started;
  }

  // The exporter and Prisma's instrumentation are loaded only when spans leave the process: they weigh several
  // megabytes of memory in every process that would never use them.
  const processor = endpoint ? new BatchSpanProcessor(new (otlpExporter())()) : new NoopSpanProcessor();
  // Spans that go nowhere are not recorded: a non-recording span still carries its trace id (to the logs, the
  // traceparent answered, and on through Temporal, unsampled, so the workers record none either), at a fraction of the
  // CPU a recorded one costs in every process and in the workflow's sandbox.
  const sampler = endpoint ? new ParentBasedSampler({ root: new NoLoneQueriesSampler() }) : new AlwaysOffSampler();
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [processor],
    // OTEL_TRACES_SAMPLER, when set, is the provider's to read.
    ...(env.OTEL_TRACES_SAMPLER ? {} : { sampler }),
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => untracedPaths.has(pathOf(request.url)),
        // Outgoing node:http calls outside a trace (Consul's health checks and catalog reads) are not a purchase's.
        requireParentforOutgoingSpans: true,
      }),
      // fetch: the gateway's calls to the supplier and the carrier, which carry the trace on to them.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // Prisma's query compiling and result serializing are in-process steps of each query: its span is enough. Its
      // spans are leaves, which carry no context on: without an endpoint, where none would be recorded, it is left out.
      ...(endpoint ? [new (prismaInstrumentation())({ ignoreSpanTypes: ['prisma:client:compile', 'prisma:client:serialize'] })] : []),
    ],
  });
  // The HTTP instrumentation patches node:http (shared by every module) when it is next required, and a process has
  // usually loaded it before it starts tracing: require it now, so the patch never waits on a later import.
  require('node:http');
  started = { processor, resource, exporting: Boolean(endpoint), shutdown: () => provider.shutdown() };
  return started;
}

const otlpExporter = () =>
  (require('@opentelemetry/exporter-trace-otlp-http') as { OTLPTraceExporter: typeof OTLPTraceExporter }).OTLPTraceExporter;
const prismaInstrumentation = () =>
  (require('@prisma/instrumentation') as { PrismaInstrumentation: typeof PrismaInstrumentation }).PrismaInstrumentation;

/**
 * A query outside any request or activity (start-up checks, seeding, `/ready`'s probe) would each be a trace of its
 * own, burying the purchases: such lone Prisma spans are not recorded. Everything else starts a trace.
 */
class NoLoneQueriesSampler implements Sampler {
  shouldSample(_context: Context, _traceId: string, spanName: string): SamplingResult {
    return { decision: spanName.startsWith('prisma:') ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString() {
    return 'NoLoneQueriesSampler';
  }
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
