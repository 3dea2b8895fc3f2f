import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from '../logging';
import { freePort } from '../net/ports';
import { addMetricsSource } from './http-metrics';

const pinoLevel = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The supplier and the carrier run activities only: the SDK's warning that they poll no workflow tasks is expected. */
function expected(level: LogLevel, message: string): LogLevel {
  return level === 'WARN' && message.startsWith('No workflows registered') ? 'INFO' : level;
}

/**
 * Installs Temporal's runtime for this process: the SDK's and Core's logs go through the process's pino logger, and
 * the SDK's worker metrics (`temporal_*`, durations in seconds, counters with `_total`) are appended to the process's
 * `/metrics`. Core serves them on a loopback port of its own; `/metrics` reads that port, so Prometheus scrapes one
 * address per process.
 */
export async function installTemporalRuntime(logger: Logger, service: string): Promise<void> {
  const port = await freePort();
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    logger[pinoLevel[expected(level, message)]](meta ?? {}, message);
  Runtime.install({
    logger: {
      log,
      trace: (message, meta) => log('TRACE', message, meta),
      debug: (message, meta) => log('DEBUG', message, meta),
      info: (message, meta) => log('INFO', message, meta),
      warn: (message, meta) => log('WARN', message, meta),
      error: (message, meta) => log('ERROR', message, meta),
    },
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: {
        globalTags: { service },
        prometheus: { bindAddress: `127.0.0.1:${port}`, useSecondsForDurations: true, countersTotalSuffix: true },
      },
    },
  });
  addMetricsSource(async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
      return response.ok ? await response.text() : '';
    } catch {
      return ''; // Before the first worker starts, Core's exporter may not answer yet.
    }
  });
}
