import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestJaeger, type JaegerTrace, type RunningJaeger } from '../support/jaeger';
import { startSystem, type RunningSystem } from '../../harness/system';

const lisbon = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
const toronto = { ...lisbon, city: 'Toronto', postalCode: 'M5V 2T6', country: 'CA' };
const services = ['carrier', 'gateway', 'orchestrator', 'supplier'];

let jaeger: RunningJaeger;
let system: RunningSystem;
let buyer: { token: string };
const jaegerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jaeger-'));

beforeAll(async () => {
  jaeger = await startTestJaeger(jaegerDir);
  system = await startSystem({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '200', LOG_LEVEL: 'info' },
  });
  await system.stockedProduct('TRACE-1', 10, 1000);
  buyer = await system.newUser();
}, 240_000);

afterAll(async () => {
  await system?.stop();
  await jaeger?.stop();
  fs.rmSync(jaegerDir, { recursive: true, force: true });
});

/** Sends a purchase under a trace of the test's own (as a client that traces would) and waits for its end. */
async function purchaseUnderTrace(address: typeof lisbon, final: 'COMPLETED' | 'FAILED') {
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const answer = await system.api('POST', '/purchases', {
    token: buyer.token,
    body: { items: [{ sku: 'TRACE-1', quantity: 1 }], address },
    headers: { traceparent: `00-${traceId}-${clientSpanId}-01` },
  });
  expect(answer.status).toBe(202);
  // The answer belongs to the client's trace.
  expect(answer.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const purchase = await system.waitForPurchase(buyer.token, answer.body.purchase.id, [final]);
  expect(purchase.status).toBe(final);
  return { traceId, clientSpanId };
}

/** Waits until Jaeger's trace has every span named, from every service; answers it. */
async function traceWith(traceId: string, operations: string[]): Promise<JaegerTrace> {
  let trace: JaegerTrace | undefined;
  const missing = () => {
    const names = new Set(trace?.spans.map((span) => span.operationName));
    const serviceNames = new Set(trace?.spans.map((span) => trace!.processes[span.processID]!.serviceName));
    return [...operations.filter((name) => !names.has(name)), ...services.filter((name) => !serviceNames.has(name))];
  };
  await system
    .waitUntil(`Jaeger holding trace ${traceId} whole`, async () => {
      trace = await jaeger.trace(traceId);
      return trace !== undefined && missing().length === 0;
    }, 60_000)
    .catch((error) => {
      const seen = trace?.spans.map((span) => `${trace!.processes[span.processID]!.serviceName} ${span.operationName}`) ?? [];
      throw new Error(`${error.message.split('\n')[0]}\nMissing: ${missing().join(', ')}\nSeen:\n${seen.sort().join('\n')}`);
    });
  return trace!;
}

/** Every span's parent is in the trace, but the first one's, which is the client's span: one tree, no gaps. */
function expectOneTree(trace: JaegerTrace, clientSpanId: string) {
  const ids = new Set(trace.spans.map((span) => span.spanID));
  const orphans = trace.spans.filter((span) => {
    const parent = span.references.find((reference) => reference.refType === 'CHILD_OF');
    return !parent || (!ids.has(parent.spanID) && parent.spanID !== clientSpanId);
  });
  expect(orphans.map((span) => span.operationName)).toEqual([]);
  const roots = trace.spans.filter((span) => span.references.some((reference) => reference.spanID === clientSpanId));
  expect(roots.length).toBe(1);
  expect(trace.processes[roots[0]!.processID]!.serviceName).toBe('gateway');
  for (const span of trace.spans) expect(span.traceID).toBe(trace.traceID);
}

const servicesOf = (trace: JaegerTrace, operation: string) =>
  [...new Set(trace.spans.filter((span) => span.operationName === operation).map((span) => trace.processes[span.processID]!.serviceName))].sort();

describe('one purchase is one trace in a real Jaeger', () => {
  it('a completed purchase: the request, the workflow start and run, every activity on every worker, the queries', async () => {
    const { traceId, clientSpanId } = await purchaseUnderTrace(lisbon, 'COMPLETED');
    const activities = ['recordPurchase', 'reserveStock', 'scheduleDelivery', 'confirmSale', 'dispatchDelivery'];
    const trace = await traceWith(traceId, [
      'StartWorkflow:purchase',
      'RunWorkflow:purchase',
      ...activities.flatMap((name) => [`StartActivity:${name}`, `RunActivity:${name}`]),
      'prisma:client:db_query',
    ]);
    expect(trace.traceID).toBe(traceId);
    expectOneTree(trace, clientSpanId);
    expect(servicesOf(trace, 'StartWorkflow:purchase')).toEqual(['gateway']);
    expect(servicesOf(trace, 'RunWorkflow:purchase')).toEqual(['orchestrator']);
    expect(servicesOf(trace, 'RunActivity:recordPurchase')).toEqual(['orchestrator']);
    expect(servicesOf(trace, 'RunActivity:reserveStock')).toEqual(['supplier']);
    expect(servicesOf(trace, 'RunActivity:confirmSale')).toEqual(['supplier']);
    expect(servicesOf(trace, 'RunActivity:scheduleDelivery')).toEqual(['carrier']);
    expect(servicesOf(trace, 'RunActivity:dispatchDelivery')).toEqual(['carrier']);
    // Each owner's queries, in its own process, inside its activities.
    expect(servicesOf(trace, 'prisma:client:db_query')).toEqual(expect.arrayContaining(['carrier', 'gateway', 'orchestrator', 'supplier']));
  });

  it('a compensated purchase: the trace shows the failed step and both compensations', async () => {
    const { traceId, clientSpanId } = await purchaseUnderTrace(toronto, 'FAILED');
    const trace = await traceWith(traceId, [
      'RunWorkflow:purchase',
      'RunActivity:reserveStock',
      'RunActivity:scheduleDelivery',
      'RunActivity:cancelDelivery',
      'RunActivity:releaseReservation',
    ]);
    expectOneTree(trace, clientSpanId);
    expect(servicesOf(trace, 'RunActivity:releaseReservation')).toEqual(['supplier']);
    expect(servicesOf(trace, 'RunActivity:cancelDelivery')).toEqual(['carrier']);
    // A compensated purchase is never confirmed.
    expect(servicesOf(trace, 'RunActivity:confirmSale')).toEqual([]);
  });
});
