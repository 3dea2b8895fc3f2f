import pino from 'pino';
import { currentLogContext } from './context';

/**
 * JSON logs on stdout, one logger per process, tagged with the service's name. A line written while a request or an
 * activity runs carries its `requestId`, `purchaseId`, `workflowId` and `traceId` (see ./context).
 *
 * With `LOKI_URL` set, every line is also pushed to Loki's push API (pino-loki, in pino's transport thread, batched
 * each second), labelled with `service`, `level` and `hostname`; the ids stay in the line, where LogQL's `| json` finds them.
 * stdout stays the record: an absent or slow Loki never blocks or stops the process.
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL?.trim() || 'info',
  lokiUrl = process.env.LOKI_URL?.trim() || undefined,
) {
  const options: pino.LoggerOptions = { name: service, level, base: { service, pid: process.pid }, mixin: () => ({ ...currentLogContext() }) };
  if (!lokiUrl) return pino(options);
  const transport = pino.transport({
    targets: [
      { target: 'pino/file', options: { destination: 1 }, level },
      {
        target: 'pino-loki',
        level,
        options: { host: lokiUrl, labels: { service }, batching: { interval: 1 }, silenceErrors: false },
      },
    ],
  });
  return pino(options, transport);
}
export type Logger = ReturnType<typeof createLogger>;
export { currentLogContext, withLogContext, type LogContext } from './context';
