import { AsyncLocalStorage } from 'node:async_hooks';
import { isSpanContextValid, trace } from '@opentelemetry/api';

/** The fields that tie a log line to a purchase and to the request that made it. */
export interface LogContext {
  requestId?: string;
  purchaseId?: string;
  workflowId?: string;
  traceId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with these fields added to every log line written inside it, across awaits. */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** The fields of the code running now; the trace id falls back to the active span's. */
export function currentLogContext(): LogContext {
  const fields = storage.getStore() ?? {};
  if (fields.traceId) return fields;
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { ...fields, traceId: span.traceId } : fields;
}
