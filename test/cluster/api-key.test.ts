import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { connectionOptions, loadTemporalConnection } from '../../config/temporal';
import { makeCertificates, type Certificates } from '../support/temporal-cluster';

/**
 * No Temporal server here checks API keys (that takes Temporal Cloud or a custom authorizer), so a small TLS-only gRPC
 * server stands in for the frontend and records what each client sends: the header, and that it came over TLS.
 */
describe('an API key (TEMPORAL_API_KEY)', () => {
  let dir: string;
  let certs: Certificates;
  let server: grpc.Server;
  let address: string;
  const seen: { method: string; authorization?: string; namespace?: string }[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-key-'));
    certs = await makeCertificates(dir);
    server = new grpc.Server();
    const record = (method: string) => (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      seen.push({
        method,
        authorization: call.metadata.get('authorization')[0]?.toString(),
        namespace: call.metadata.get('temporal-namespace')[0]?.toString(),
      });
      callback(null, Buffer.alloc(0)); // an empty message: a valid, empty response
    };
    const bytes = (data: Buffer) => data;
    for (const method of ['GetSystemInfo', 'DescribeNamespace']) {
      server.register(`/temporal.api.workflowservice.v1.WorkflowService/${method}`, record(method), bytes, bytes, 'unary');
    }
    const credentials = grpc.ServerCredentials.createSsl(null, [
      { private_key: fs.readFileSync(certs.server.key), cert_chain: fs.readFileSync(certs.server.cert) },
    ]);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    server?.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // The key and the CA only: TLS comes on because a key is set, as the standard says.
  const settings = () =>
    loadTemporalConnection({
      HOME: dir,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'shop.a1b2c',
      TEMPORAL_API_KEY: 'secret-key',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });

  it("is sent as a bearer token over TLS by the gateway's client", async () => {
    seen.length = 0;
    const connection = await Connection.connect({ ...connectionOptions(settings()), connectTimeout: '5s' });
    await connection.workflowService.describeNamespace({ namespace: 'shop.a1b2c' });
    await connection.close();
    expect(seen.length).toBeGreaterThan(0);
    for (const call of seen) expect(call.authorization).toBe('Bearer secret-key');
    expect(seen.find((call) => call.method === 'DescribeNamespace')?.namespace).toBe('shop.a1b2c');
  });

  it("is sent as a bearer token over TLS by the workers' connection", async () => {
    seen.length = 0;
    const connection = await NativeConnection.connect(connectionOptions(settings()));
    await connection.workflowService.describeNamespace({ namespace: 'shop.a1b2c' });
    await connection.close();
    expect(seen.length).toBeGreaterThan(0);
    for (const call of seen) expect(call.authorization).toBe('Bearer secret-key');
  });

  it('turns TLS on by itself: the same settings without TLS cannot reach this TLS-only server', async () => {
    const plain = loadTemporalConnection({ HOME: dir, TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'false' });
    seen.length = 0;
    await expect(NativeConnection.connect(connectionOptions(plain))).rejects.toThrow();
    expect(seen).toHaveLength(0);
    expect(settings().tls).toMatchObject({ serverNameOverride: 'localhost' });
    expect(loadTemporalConnection({ HOME: dir, TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'k' }).tls).toBe(true);
  });
});
