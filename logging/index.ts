import pino from 'pino';

/** JSON logs on stdout, one logger per process, tagged with the service's name. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info') {
  return pino({ name: service, level, base: { service, pid: process.pid } });
}
export type Logger = ReturnType<typeof createLogger>;
