import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { matchedRoute } from './http-metrics';

/**
 * For an app behind the HTTP instrumentation (observability/tracing.ts), whose server span is the active one: answers
 * the request's trace as a W3C `traceparent` header (so a client that sent none learns the trace the gateway started),
 * and names the span after the matched route (`POST /purchases/:id/cancel`), as the instrumentation cannot see routes.
 */
export const traceHttp: MiddlewareHandler = async (c, next) => {
  const span = trace.getActiveSpan();
  const context = span?.spanContext();
  try {
    await next();
  } finally {
    if (span && context && isSpanContextValid(context)) {
      const route = matchedRoute(c);
      span.setAttribute('http.route', route);
      span.updateName(`${c.req.method} ${route}`);
      const flags = context.traceFlags.toString(16).padStart(2, '0');
      c.res.headers.set('traceparent', `00-${context.traceId}-${context.spanId}-${flags}`);
    }
  }
};
