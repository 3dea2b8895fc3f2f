import pino from 'pino';
import { currentLogContext } from './context';

/**
 * JSON logs on stdout, one logger per process, tagged with the service's name. A line written while a request or an
 * activity runs carries its `requestId`, `purchaseId`, `workflowId` and `traceId` (see ./context).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info') {
  return pino({ name: service, level, base: { service, pid: process.pid }, mixin: () => ({ ...currentLogContext() }) });
}
export type Logger = ReturnType<typeof createLogger>;
export { currentLogContext, withLogContext, type LogContext } from './context';
