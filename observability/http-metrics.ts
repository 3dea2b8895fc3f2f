import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The HTTP metrics the contract names, on a registry of the process's own (never prom-client's global one, so two
 * apps in one test process do not mix their counts): `http_server_requests_total` and
 * `http_server_request_duration_seconds`, labelled `method`, `route` (the matched pattern, never the raw path, so ids
 * do not explode the label set) and `status`.
 */
export function createHttpMetrics() {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_server_requests_total',
    help: 'HTTP requests answered, by method, matched route and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, matched route and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  /** Counts every answered request, the ones an error handler or a refusal answered too. */
  const middleware: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const labels = { method: c.req.method, route: matchedRoute(c), status: String(c.res.status) };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - started) / 1000);
    }
  };

  /** `GET /metrics` in Prometheus' text format. */
  const handler = async (c: Context) => {
    const text = (await registry.metrics()) + (await processMetricsText());
    return c.text(text, 200, { 'Content-Type': registry.contentType });
  };

  return { registry, middleware, handler };
}
export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

let processRegistry: Registry | undefined;
/** Node's own metrics (memory, event loop lag, CPU), collected once per process however many apps it builds. */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const sources: (() => Promise<string>)[] = [];
/** Adds text in Prometheus' format (the Temporal SDK's metrics) to every `/metrics` this process serves. */
export function addMetricsSource(source: () => Promise<string>): void {
  sources.push(source);
}

/** What the process adds to each app's own metrics: Node's metrics and the added sources. */
export async function processMetricsText(): Promise<string> {
  const parts = [await processMetrics().metrics(), ...(await Promise.all(sources.map((source) => source())))];
  return parts.map((part) => (part.endsWith('\n') || part === '' ? part : `${part}\n`)).join('');
}

/** The route pattern that answered (`/purchases/:id`), or `unmatched` for a 404 with no route, keeping labels bounded. */
export function matchedRoute(c: Context): string {
  // The route the request was for, even when middleware (auth, the rate limit) answered before its handler ran.
  const route = matchedRoutes(c)
    .map((entry) => entry.path)
    .filter((path) => !path.endsWith('*'))
    .at(-1);
  return route ?? 'unmatched';
}
