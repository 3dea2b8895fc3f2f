import { Counter, Histogram, Registry } from 'prom-client';
import { finalPurchaseStatuses, type Purchase } from '../contracts/purchase';

/**
 * The orchestrator's purchase metrics, counted where the fact is written: the store activity's conditional write of
 * a final status succeeds once per purchase, so a retried activity or a replayed workflow never counts twice.
 */
export function createPurchaseMetrics(registry = new Registry()) {
  const purchases = new Counter({
    name: 'purchases_total',
    help: 'Purchases that reached a final status, by status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const compensated = new Counter({
    name: 'purchase_compensations_total',
    help: 'Purchases that went through compensation, by the final status they reached',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'purchase_failures_total',
    help: 'Purchases that ended FAILED or CANCELLED, by failure code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'purchase_duration_seconds',
    help: 'Time from RECEIVED to the final status',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  // Each final status shows as 0 from the start, so rate() and the dashboards have a series before the first one.
  for (const status of finalPurchaseStatuses) {
    purchases.inc({ status }, 0);
    compensated.inc({ status }, 0);
  }

  return {
    registry,
    /** Called once a purchase's final status has been written for the first time. */
    finished(purchase: Purchase) {
      purchases.inc({ status: purchase.status });
      if (purchase.history.some((entry) => entry.status === 'COMPENSATING')) compensated.inc({ status: purchase.status });
      if (purchase.failure) refusals.inc({ code: purchase.failure.code });
      const seconds = (Date.parse(purchase.updatedAt) - Date.parse(purchase.createdAt)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) duration.observe(seconds);
    },
    isFinal: (purchase: Purchase) => finalPurchaseStatuses.includes(purchase.status),
  };
}
export type PurchaseMetrics = ReturnType<typeof createPurchaseMetrics>;
