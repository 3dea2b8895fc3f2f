import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import { z } from 'zod';

/**
 * What ties every log line about a purchase to the `POST /purchases` that made it. The gateway sends it with the
 * workflow's start as a Temporal header; the workflow hands it on to each activity it schedules, and every process
 * logs it with its lines: grep one request id and see the purchase in every process.
 */
export const requestContextHeader = 'purchase-request-context';

export const RequestContext = z.object({
  /** The client's `X-Request-Id`, or the one the gateway assigned. */
  requestId: z.string().max(255).optional(),
  /** The W3C trace id of the request (32 hex digits). */
  traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
});
export type RequestContext = z.infer<typeof RequestContext>;

/** The request context a Temporal call carried; a missing or malformed header (an older client) is no context. */
export function readRequestContext(headers: Headers): RequestContext {
  const payload = headers[requestContextHeader];
  if (!payload) return {};
  try {
    const parsed = RequestContext.safeParse(defaultPayloadConverter.fromPayload(payload));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** `headers` with the request context added (unchanged when there is none). */
export function withRequestContext(headers: Headers, context: RequestContext): Headers {
  if (!context.requestId && !context.traceId) return headers;
  return { ...headers, [requestContextHeader]: defaultPayloadConverter.toPayload(context) };
}
