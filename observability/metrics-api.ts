import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { processMetricsText } from './http-metrics';

/** The orchestrator's only HTTP surface: `/health` for Consul and `/metrics` (its purchase and Temporal metrics). */
export function createMetricsApi(registry: Registry) {
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', async (c) =>
    c.text((await registry.metrics()) + (await processMetricsText()), 200, { 'Content-Type': registry.contentType }),
  );
  return app;
}
