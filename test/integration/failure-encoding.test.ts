import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { payloadDataConverter } from '../../codec/data-converter';
import type { Purchase } from '../../contracts/purchase';
import { purchaseWorkflowId, purchaseWorkflowType, searchAttributes, taskQueues } from '../../contracts/temporal';
import type { PurchaseWorkflowInput } from '../../contracts/workflow-input';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { unusualAddress as address } from '../support/raw-history';
import { startSagaWorkers, type SagaWorkers } from '../support/saga-workers';
import { createTemporalTestEnvironment } from '../support/temporal-env';

/**
 * An activity's failure message may quote its input (a database error quotes the values it was given). With the
 * services' data converter, Temporal stores every failure's message and stack trace encrypted: a client with the key
 * reads them, the raw history holds none of them. (The purchase's own failure never quotes a cause's message:
 * test/integration/permanent-failures.test.ts.)
 */
const dataConverter = payloadDataConverter([{ id: 'failure-key', key: randomBytes(32) }]);
const personalWords = [address.name, address.street, address.postalCode, address.city];

let env: TestWorkflowEnvironment;
let dbs: TestDatabases;
let saga: SagaWorkers;

beforeAll(async () => {
  env = await createTemporalTestEnvironment();
  dbs = await createTestDatabases('sqlite');
  saga = await startSagaWorkers(env, dbs, {
    dataConverter,
    carrier: (real) => ({
      ...real,
      async scheduleDelivery(input) {
        const { street, postalCode, city } = input.address;
        throw ApplicationFailure.nonRetryable(`no road to ${street}, ${postalCode} ${city} (injected)`, 'DELIVERY_REFUSED');
      },
    }),
  });
  await dbs.store.user.create({ data: { id: 'customer-1', email: 'failure@example.com', passwordHash: 'x' } });
  await dbs.supplier.inventory.create({ data: { sku: 'FAIL-1', available: 5, reserved: 0 } });
}, 120_000);

afterAll(async () => {
  await saga?.shutdown();
  await dbs?.drop();
  await env?.teardown();
});

it('stores a failure message that quotes personal data encrypted; a client with the key reads it in clear', async () => {
  const purchaseId = randomUUID();
  const input: PurchaseWorkflowInput = {
    purchaseId,
    customerId: 'customer-1',
    items: [{ sku: 'FAIL-1', quantity: 1, unitPriceCents: 1000 }],
    address,
    totalCents: 1000,
    discountCents: 0,
    createdAt: new Date().toISOString(),
    settings: { cancelWindow: '0s', retryInitialInterval: '100ms', retryMaximumInterval: '500ms' },
  };
  const client = new Client({ connection: env.connection, dataConverter });
  const handle = await client.workflow.start(purchaseWorkflowType, {
    taskQueue: taskQueues.purchases,
    workflowId: purchaseWorkflowId(purchaseId),
    args: [input],
    typedSearchAttributes: [{ key: searchAttributes.customerId, value: 'customer-1' }],
  });
  const result: Purchase = await handle.result();

  // The saga saw the carrier's failure for what it is, and compensated.
  expect(result.status).toBe('FAILED');
  expect(result.failure?.message).toContain('scheduleDelivery failed with DELIVERY_REFUSED');
  expect(await dbs.supplier.inventory.findUnique({ where: { sku: 'FAIL-1' } })).toMatchObject({ available: 5, reserved: 0 });

  // What Temporal stores: the failure's type in clear, its message and stack trace only as an encrypted payload.
  const history = await new Client({ connection: env.connection }).workflow.getHandle(handle.workflowId).fetchHistory();
  const failed = (history.events ?? []).filter((event) => event.activityTaskFailedEventAttributes);
  expect(failed).toHaveLength(1);
  const failure = failed[0].activityTaskFailedEventAttributes!.failure!;
  expect(failure.message).toBe('Encoded failure');
  expect(failure.stackTrace ?? '').toBe('');
  expect(failure.applicationFailureInfo?.type).toBe('DELIVERY_REFUSED');
  expect(Buffer.from(failure.encodedAttributes!.metadata!.encoding!).toString()).toBe('binary/encrypted');
  // With the key, the message and stack trace come back in clear.
  const decoded = await decodeOptionalFailureToOptionalError(loadDataConverter(dataConverter), failure);
  expect(decoded).toBeInstanceOf(ApplicationFailure);
  expect(decoded?.message).toBe(`no road to ${address.street}, ${address.postalCode} ${address.city} (injected)`);
  expect(decoded?.stack).toContain('no road to');

  const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('utf8');
  expect(raw).toContain(purchaseId);
  for (const word of personalWords) expect({ word, found: raw.includes(word) }).toEqual({ word, found: false });
  expect(raw).not.toContain('no road to');
});
