import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type LogEntry, type ReplayResult } from '@temporalio/worker';
import { payloadDataConverter } from '../../codec/data-converter';
import { formatPayloadKeys, type PayloadKey } from '../../config/payload-keys';
import { purchaseWorkflowId } from '../../contracts/temporal';
import { startSystem, type RunningSystem } from '../../harness/system';
import { workflowSinks } from '../../observability/temporal-tracing';
import { workflowBundleFor } from '../../workers/workflow-bundle';
import { everythingIn, personalWords, showHistory as showWorkflow, unusualAddress as address } from '../support/raw-history';

/**
 * A real purchase through the real gateway and workers on a real dev server: what Temporal stores holds none of the
 * customer's personal data in clear, and an ADMIN reads it through the gateway's codec server.
 */
let system: RunningSystem;
let connection: Connection;
let admin: string;
let buyer: Awaited<ReturnType<RunningSystem['newUser']>>;
let purchaseId: string;
/** What the SDK's workers in this process logged at WARN and above. */
const workerLog: LogEntry[] = [];

const personal = () => personalWords(buyer.email);

/** The CLI against the system's server; `codec` adds the gateway's codec server with a bearer token. */
const showHistory = (codec?: { token: string; endpoint?: string }) =>
  showWorkflow(purchaseWorkflowId(purchaseId), {
    args: ['--address', system.temporalAddress],
    codec: codec && { token: codec.token, endpoint: codec.endpoint ?? `${system.urls.gateway}/codec` },
  });

async function replay(keys: PayloadKey[]): Promise<ReplayResult> {
  const history = await new Client({ connection }).workflow.getHandle(purchaseWorkflowId(purchaseId)).fetchHistory();
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: await workflowBundleFor(require.resolve('../../workflows')),
      replayName: 'personal-data-replay',
      sinks: workflowSinks(),
      dataConverter: payloadDataConverter(keys),
    },
    [{ workflowId: purchaseWorkflowId(purchaseId), history }],
  )) {
    results.push(result);
  }
  return results[0]!;
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN', (entry) => workerLog.push(entry)) });
  system = await startSystem();
  connection = await Connection.connect({ address: system.temporalAddress });
  admin = await system.adminToken();
  buyer = await system.newUser('quimby');
  await system.stockedProduct('PII-1', 5);
  const created = await system.api('POST', '/purchases', { token: buyer.token, body: { items: [{ sku: 'PII-1', quantity: 1 }], address } });
  expect(created.status).toBe(202);
  purchaseId = created.body.purchase.id;
  await system.waitForPurchase(buyer.token, purchaseId, ['COMPLETED']);
}, 240_000);

afterAll(async () => {
  await connection?.close();
  await system?.stop();
});

describe('personal data in Temporal', () => {
  it('leaves no name, street, postal code, city or email in clear anywhere in the raw history', async () => {
    const raw = everythingIn(await showHistory());
    // The right history, read in full: its search attribute (an id, in clear) and its encrypted payloads are there.
    expect(raw).toContain(buyer.user.id);
    expect(raw).toContain('binary/encrypted');
    for (const word of personal()) expect({ word, found: raw.includes(word) }).toEqual({ word, found: false });
  });

  it('shows them to an ADMIN through the gateway codec server, with the CLI endpoint per namespace too', async () => {
    for (const endpoint of [`${system.urls.gateway}/codec`, `${system.urls.gateway}/codec/{namespace}`]) {
      const decoded = everythingIn(await showHistory({ token: admin, endpoint }));
      for (const word of [address.name, address.street, address.postalCode]) {
        expect({ endpoint, word, found: decoded.includes(word) }).toEqual({ endpoint, word, found: true });
      }
      expect(decoded).not.toContain('binary/encrypted');
    }
    // The email is never sent to Temporal at all: the workflow knows the customer by id.
    expect(everythingIn(await showHistory({ token: admin }))).not.toContain(buyer.email);
  });

  it('keeps a failure’s message encrypted and its type in clear; the CLI shows the message through the codec server', async () => {
    const created = await system.api('POST', '/purchases', {
      token: buyer.token,
      body: { items: [{ sku: 'PII-1', quantity: 1 }], address: { ...address, country: 'CA' } },
    });
    expect(created.status).toBe(202);
    const refusedId = created.body.purchase.id as string;
    expect((await system.waitForPurchase(buyer.token, refusedId, ['FAILED'])).failure).toMatchObject({ code: 'UNSERVED_COUNTRY' });
    const show = (codec?: { token: string }) =>
      showWorkflow(purchaseWorkflowId(refusedId), {
        args: ['--address', system.temporalAddress],
        codec: codec && { token: codec.token, endpoint: `${system.urls.gateway}/codec` },
      });

    const raw = everythingIn(await show());
    expect(raw).toContain('UNSERVED_COUNTRY');
    expect(raw).toContain('Encoded failure');
    expect(raw).not.toContain('does not deliver to CA');
    expect(everythingIn(await show({ token: admin }))).toContain('does not deliver to CA');
  });

  it('refuses the CLI its codec calls with a USER token: the CLI shows nothing', async () => {
    // The codec server answers 403 (test/unit/api/codec-server.test.ts); the CLI retries until its deadline, then fails.
    const shown = showHistory({ token: buyer.token });
    await expect(shown).rejects.toThrow(/context deadline exceeded|403/);
    const output = await shown.catch((error: { stdout?: string }) => error.stdout ?? '');
    for (const word of personal()) expect(output).not.toContain(word);
  });

  it('replays the history recorded under the key in use after the keys become B,A, and not once A is gone', async () => {
    const keyA = system.payloadKeys[0]!;
    const keyB: PayloadKey = { id: 'rotated-b', key: randomBytes(32) };
    expect((await replay([keyB, keyA])).error).toBeUndefined();
    const withoutA = await replay([keyB]);
    expect(withoutA.error).toBeDefined();
    // The failure goes back to Temporal encoded, as every failure does; the worker's log names the missing key.
    const named = workerLog.filter((entry) => String((entry.meta?.error as Error | undefined)?.message).includes(keyA.id));
    expect(named.length).toBeGreaterThan(0);
  });

  it('still reads the history through the codec server once the gateway runs with the keys B,A', async () => {
    const keyB: PayloadKey = { id: 'rotated-b', key: randomBytes(32) };
    await system.stopProcess('gateway');
    system.startService('gateway', { env: { PAYLOAD_KEYS: formatPayloadKeys([keyB, ...system.payloadKeys]) } });
    await system.waitUntil('the gateway being ready with the keys B,A', async () => (await fetch(`${system.urls.gateway}/ready`)).ok);
    const token = await system.adminToken();
    const decoded = everythingIn(await showHistory({ token }));
    expect(decoded).toContain(address.street);
    // What the gateway encrypts now names B.
    const encoded = await system.api('POST', '/codec/encode', {
      token,
      body: { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') }] },
    });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('rotated-b');
  });
});
