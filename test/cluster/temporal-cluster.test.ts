import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, startSystem, type RunningSystem } from '../../harness/system';
import { everythingIn, personalWords, showHistory, unusualAddress } from '../support/raw-history';
import { startTemporalCluster, type TemporalCluster } from '../support/temporal-cluster';

const run = promisify(execFile);
const namespace = 'purchases-cluster';

/**
 * The system against Temporal Server itself (1.29.1, built from Go modules), on PostgreSQL, with mutual TLS and a
 * namespace of its own: the way a production cluster runs it.
 */
describe('against a Temporal cluster with mutual TLS', () => {
  let cluster: TemporalCluster;
  let system: RunningSystem;

  beforeAll(async () => {
    cluster = await startTemporalCluster({ namespace });
    system = await startSystem({
      externalTemporal: true,
      env: { ...cluster.clientEnv(), PURCHASE_CANCEL_WINDOW: '10s' },
    });
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await cluster?.stop();
  }, 60_000);

  const oneSku1 = [{ sku: 'SKU-1', quantity: 1 }];

  it('completes a purchase through the gateway, its workflow in the cluster namespace', async () => {
    const { token } = await system.newUser();
    const done = await system.purchase(token, oneSku1);
    expect(done.status).toBe('COMPLETED');
    const id = done.id;

    const { stdout } = await cluster.temporalCli(['workflow', 'describe', '--workflow-id', `purchase-${id}`, '--namespace', namespace, '-o', 'json']);
    const described = JSON.parse(stdout);
    expect(described.workflowExecutionInfo.type.name).toBe('purchase');
    expect(described.workflowExecutionInfo.status).toMatch(/COMPLETED/);
  });

  it("keeps the buyer's name, street, postal code, city and email out of the cluster's raw history; an ADMIN reads them through the codec", async () => {
    await system.stockedProduct('PII-CLUSTER', 2);
    const buyer = await system.newUser('pii');
    const created = await system.api('POST', '/purchases', {
      token: buyer.token,
      body: { items: [{ sku: 'PII-CLUSTER', quantity: 1 }], address: unusualAddress },
    });
    expect(created.status).toBe(202);
    const workflowId = `purchase-${created.body.purchase.id}`;
    expect((await system.waitForPurchase(buyer.token, created.body.purchase.id, ['COMPLETED'], 90_000)).status).toBe('COMPLETED');
    // The CLI as an operator runs it against this cluster: its address, namespace and client certificate, no codec.
    const tls = ['--tls-ca-path', cluster.certs.ca, '--tls-cert-path', cluster.certs.client.cert, '--tls-key-path', cluster.certs.client.key,
      '--tls-server-name', 'localhost'];
    const args = ['--address', cluster.address, '--namespace', namespace, ...tls];

    const raw = everythingIn(await showHistory(workflowId, { args }));
    // The right history, read in full: its search attribute (an id, in clear) and its encrypted payloads are there.
    expect(raw).toContain(buyer.user.id);
    expect(raw).toContain('binary/encrypted');
    for (const word of personalWords(buyer.email)) expect({ word, found: raw.includes(word) }).toEqual({ word, found: false });

    const decoded = everythingIn(await showHistory(workflowId, { args, codec: { endpoint: `${system.urls.gateway}/codec`, token: await system.adminToken() } }));
    for (const word of [unusualAddress.name, unusualAddress.street, unusualAddress.postalCode, unusualAddress.city]) {
      expect({ word, found: decoded.includes(word) }).toEqual({ word, found: true });
    }
    expect(decoded).not.toContain('binary/encrypted');
  });

  it('lets the Temporal CLI, with the same settings, cancel a running purchase by signal', async () => {
    const { token } = await system.newUser();
    const id = await system.placePurchase(token, oneSku1);
    await cluster.temporalCli(['workflow', 'signal', '--workflow-id', `purchase-${id}`, '--name', 'cancel', '--input', '{"reason":"asked on the phone"}']);
    const done = await system.waitForPurchase(token, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 90_000);
    expect(done.status).toBe('CANCELLED');
  });

  it('refuses the Temporal CLI that trusts the cluster but shows no client certificate', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...serverOnly } = cluster.clientEnv();
    await expect(
      run(process.env.TEMPORAL_CLI!, ['workflow', 'list', '--namespace', namespace], {
        timeout: 30_000,
        env: { ...process.env, ...serverOnly },
      }),
    ).rejects.toThrow();
    // The same call with the certificate succeeds: the refusal was the missing certificate.
    await expect(cluster.temporalCli(['workflow', 'list', '--namespace', namespace, '--limit', '1'])).resolves.toBeDefined();
  });

  describe.each([
    {
      what: 'without a client certificate',
      env: () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' }),
      code: 'TEMPORAL_TLS_CLIENT_CERT_MISSING',
      names: /TEMPORAL_TLS_CLIENT_CERT_PATH/,
    },
    {
      what: 'with a client certificate from another CA',
      env: () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: cluster.certs.stranger.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: cluster.certs.stranger.key }),
      code: 'TEMPORAL_TLS_CLIENT_CERT_REFUSED',
      names: /refused this process's client certificate.*TEMPORAL_TLS_CLIENT_CERT_PATH/,
    },
    {
      what: 'expecting another server name',
      env: () => ({ TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com' }),
      code: 'TEMPORAL_TLS_SERVER_NAME',
      names: /TEMPORAL_TLS_SERVER_NAME/,
    },
    {
      what: 'without the cluster CA',
      env: () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '' }),
      code: 'TEMPORAL_TLS_SERVER_CA',
      names: /TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    },
  ])('a gateway and a worker $what', ({ what, env, code, names }) => {
    it('report it once, naming the setting, and the gateway is not ready', async () => {
      const port = await freePort();
      const supplierPort = await freePort();
      const gateway = `gateway ${what}`;
      const worker = `supplier ${what}`;
      system.startService('gateway', { instance: gateway, env: { ...env(), PORT: String(port), LOG_LEVEL: 'info' } });
      system.startService('supplier', { instance: worker, env: { ...env(), SUPPLIER_PORT: String(supplierPort), LOG_LEVEL: 'info' } });
      try {
        // Listening at once, alive, and honest about why it cannot serve purchases.
        await system.waitUntil('the misconfigured gateway answering /health', async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000);
        let ready: Response | undefined;
        let body: any;
        await system.waitUntil(
          'the misconfigured gateway explaining itself on /ready',
          async () => {
            ready = await fetch(`http://127.0.0.1:${port}/ready`);
            body = await ready.json();
            return body?.error?.details?.temporalProblem === code;
          },
          30_000,
        );
        expect(ready!.status).toBe(503);
        expect(body.error.message).toMatch(names);

        // Several retry rounds later, each process has said it once.
        await new Promise((resolve) => setTimeout(resolve, 7_000));
        const said = (instance: string) => system.logs.filter((line) => line.startsWith(`[${instance}]`) && line.includes(code));
        expect(said(gateway)).toHaveLength(1);
        expect(said(worker)).toHaveLength(1);
        expect(said(worker)[0]).toMatch(names);
      } finally {
        await system.stopProcess(gateway);
        await system.stopProcess(worker);
      }
    }, 120_000);
  });
});
