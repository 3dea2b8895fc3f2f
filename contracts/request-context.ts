import { defaultPayloadConverter, type Headers } from '@temporalio/common';

/**
 * What ties every log line about a purchase to the `POST /purchases` that made it. The gateway sends it with the
 * workflow's start as a Temporal header; the workflow hands it on to each activity it schedules, and every process
 * logs it with its lines: grep one request id and see the purchase in every process.
 */
export const requestContextHeader = 'purchase-request-context';

export interface RequestContext {
  /** The client's `X-Request-Id`, or the one the gateway assigned (at most 255 characters). */
  requestId?: string;
  /** The W3C trace id of the request (32 hex digits). */
  traceId?: string;
}

/**
 * The request context a Temporal call carried; a missing or malformed header (an older client) is no context.
 * Checked by hand, not with a zod schema: every workflow run reads it, and a run's modules (a schema, and zod's
 * compiled parser) are built anew for each run.
 */
export function readRequestContext(headers: Headers): RequestContext {
  const payload = headers[requestContextHeader];
  if (!payload) return {};
  try {
    const { requestId, traceId } = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload) ?? {};
    const validRequestId = requestId === undefined || (typeof requestId === 'string' && requestId.length <= 255);
    const validTraceId = traceId === undefined || (typeof traceId === 'string' && /^[0-9a-f]{32}$/.test(traceId));
    if (!validRequestId || !validTraceId) return {};
    return { ...(requestId !== undefined ? { requestId } : {}), ...(traceId !== undefined ? { traceId } : {}) };
  } catch {
    return {};
  }
}

/** `headers` with the request context added (unchanged when there is none). */
export function withRequestContext(headers: Headers, context: RequestContext): Headers {
  if (!context.requestId && !context.traceId) return headers;
  return { ...headers, [requestContextHeader]: defaultPayloadConverter.toPayload(context) };
}
