import type { Client } from '@temporalio/client';

/** Runs one call to Temporal under the gateway's deadline: past it the gateway answers 503 instead of hanging. */
export type WithinDeadline = <T>(call: () => Promise<T>) => Promise<T>;

export function withinDeadlineOf(temporal: Client, timeoutMs: number): WithinDeadline {
  return (call) => temporal.withDeadline(Date.now() + timeoutMs, call);
}
