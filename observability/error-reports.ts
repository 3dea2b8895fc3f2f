import { ConfigError } from '../config';
import type { LogContext } from '../logging';

/**
 * Error reports to Sentry (or anything that speaks its protocol: GlitchTip, a self-hosted Sentry), on when `SENTRY_DSN`
 * is set. Only what a process did not expect is reported (an unhandled error in a request), each tagged with the
 * service, the request id and the trace id, so a report leads to the request's log lines and its trace. Without a DSN
 * the SDK is not even loaded.
 *
 * Tracing stays OpenTelemetry's (observability/tracing.ts): the SDK is started without its own OpenTelemetry set-up
 * and without its default integrations (no patched modules, no process handlers of its own).
 */

export interface ErrorReportSettings {
  dsn?: string;
  environment?: string;
  release?: string;
}

type SentryClient = typeof import('@sentry/node');

let sentry: SentryClient | undefined;
let service: string | undefined;

/** Starts reporting for this process when a DSN is given; answers whether it did. */
export async function startErrorReports(serviceName: string, settings: ErrorReportSettings): Promise<boolean> {
  if (!settings.dsn || sentry) return Boolean(sentry);
  const client = await import('@sentry/node');
  client.init({
    dsn: settings.dsn,
    environment: settings.environment,
    release: settings.release,
    serverName: serviceName,
    defaultIntegrations: false,
    skipOpenTelemetrySetup: true,
  });
  // The SDK only prints a malformed DSN and goes on without reporting: a setting that does nothing must stop start-up.
  if (!client.getClient()?.getDsn()) {
    await client.close();
    throw new ConfigError('SENTRY_DSN is not a Sentry DSN (http[s]://<public key>@<host>[:port]/<project id>)');
  }
  sentry = client;
  service = serviceName;
  return true;
}

/** Reports an unexpected error with the fields that tie it to its request; does nothing when reporting is off. */
export function reportError(error: unknown, context: LogContext & Record<string, string | undefined> = {}): void {
  if (!sentry) return;
  const tags = Object.fromEntries(Object.entries({ service, ...context }).filter(([, value]) => value !== undefined));
  sentry.withScope((scope) => {
    scope.setTags(tags);
    if (context.traceId) scope.setContext('trace', { trace_id: context.traceId });
    sentry!.captureException(error);
  });
}

/** Sends the reports still queued; call before the process exits. */
export async function flushErrorReports(timeoutMs = 2_000): Promise<void> {
  await sentry?.flush(timeoutMs);
}
