import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { freePort, freePortBelow } from '../net/ports';
import { waitForPort } from '../launch/temporal-dev-server';
import { ensureTool } from './tools';

/** The local PostgreSQL, where the server's databases are made when no other is named. */
const localPostgres = 'postgresql://postgres@127.0.0.1:5432/postgres';

const run = promisify(execFile);

export const temporalServerVersion = '1.29.1';

/** A CA, a server certificate for localhost and 127.0.0.1, and client certificates: files in `dir`. */
export async function makeCertificates(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ca = async (name: string) => {
    await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`));
  };
  const signed = async (name: string, caName: string, extensions: string) => {
    fs.writeFileSync(file(`${name}.ext`), extensions);
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', file(`${name}.key`),
      '-out', file(`${name}.csr`));
    await openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${caName}.pem`), '-CAkey', file(`${caName}.key`),
      '-CAcreateserial', '-days', '2', '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`));
  };
  await ca('ca');
  await ca('other-ca');
  await signed('server', 'ca',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n');
  const clientExt = 'keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  await signed('client', 'ca', clientExt);
  await signed('stranger', 'other-ca', clientExt);
  return {
    ca: file('ca.pem'),
    otherCa: file('other-ca.pem'),
    server: { cert: file('server.pem'), key: file('server.key') },
    client: { cert: file('client.pem'), key: file('client.key') },
    stranger: { cert: file('stranger.pem'), key: file('stranger.key') },
  };
}
export type Certificates = Awaited<ReturnType<typeof makeCertificates>>;

async function schemaDir(): Promise<string> {
  const { stdout } = await run('go', ['env', 'GOMODCACHE']);
  const root = path.join(stdout.trim(), `go.temporal.io/server@v${temporalServerVersion}`, 'schema/postgresql/v12');
  if (!fs.existsSync(root)) await run('go', ['mod', 'download', `go.temporal.io/server@v${temporalServerVersion}`]);
  return root;
}

/**
 * Temporal Server itself (not the dev server), as a cluster runs it: persistence and visibility on the local
 * PostgreSQL in databases of its own, mutual TLS on the frontend and between services, a non-default namespace.
 */
export async function startTemporalCluster(options: {
  namespace: string;
  /** The address every service binds and advertises (default 127.0.0.1); the certificate's name stays localhost. */
  host?: string;
  /** Mutual TLS on the frontend and between services (default); false for a plain server (the benchmarks'). */
  tls?: boolean;
  /** A PostgreSQL server URL whose user may create databases (default: the local one). */
  postgresUrl?: string;
}) {
  const tls = options.tls ?? true;
  const host = options.host ?? '127.0.0.1';
  const server = await ensureTool('temporal-server');
  const sqlTool = path.join(path.dirname(server), 'sql');
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('TEMPORAL_CLI is not set: run the tests through jest (test/global-setup.ts installs it)');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cluster-'));
  const certs = await makeCertificates(path.join(root, 'certs'));

  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const databases = { main: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
  const admin = new PgClient({ connectionString: (options.postgresUrl ?? localPostgres).replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  for (const name of Object.values(databases)) await admin.query(`CREATE DATABASE ${name}`);
  const schemas = await schemaDir();
  const sql = (db: string, ...args: string[]) =>
    run(sqlTool, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', '5432', '-u', 'postgres', '--db', db, ...args]);
  await sql(databases.main, 'setup-schema', '-v', '0.0');
  await sql(databases.main, 'update-schema', '-d', path.join(schemas, 'temporal/versioned'));
  await sql(databases.visibility, 'setup-schema', '-v', '0.0');
  await sql(databases.visibility, 'update-schema', '-d', path.join(schemas, 'visibility/versioned'));

  const ports: Record<string, number> = {};
  for (const name of ['frontend', 'frontendHttp', 'history', 'matching', 'worker']) ports[name] = await freePort();
  // The cluster_membership table keeps ports as smallint: membership ports must stay below 32768.
  for (const name of ['frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership']) {
    ports[name] = await freePortBelow(32_768, Object.values(ports));
  }
  const address = `${host}:${ports.frontend}`;
  const store = (db: string, conns: number) => ({
    sql: {
      pluginName: 'postgres12', databaseName: db, connectAddr: '127.0.0.1:5432', connectProtocol: 'tcp',
      user: 'postgres', password: '', maxConns: conns, maxIdleConns: conns, maxConnLifetime: '1h',
    },
  });
  const serverTls = {
    certFile: certs.server.cert, keyFile: certs.server.key, requireClientAuth: true, clientCaFiles: [certs.ca],
  };
  const clientTls = { serverName: 'localhost', rootCaFiles: [certs.ca] };
  const service = (grpc: number, membership: number, extra: object = {}) => ({
    rpc: { grpcPort: grpc, membershipPort: membership, bindOnIP: host, ...extra },
  });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default', visibilityStore: 'visibility', numHistoryShards: 4,
      datastores: { default: store(databases.main, 10), visibility: store(databases.visibility, 4) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: host },
      ...(tls && {
        tls: {
          internode: { server: serverTls, client: clientTls },
          frontend: { server: serverTls, client: clientTls },
          systemWorker: { certFile: certs.client.cert, keyFile: certs.client.key, client: clientTls },
        },
      }),
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false, failoverVersionIncrement: 10, masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: address } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: path.join(root, 'config', 'dynamic.yaml'), pollInterval: '10s' },
  };
  fs.mkdirSync(path.join(root, 'config'));
  // YAML is a superset of JSON: the server reads this file as it is.
  fs.writeFileSync(path.join(root, 'config', 'cluster.yaml'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(root, 'config', 'dynamic.yaml'),
    'frontend.enableUpdateWorkflowExecution:\n  - value: true\nfrontend.enableExecuteMultiOperation:\n  - value: true\n' +
    'system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n');

  const logs: string[] = [];
  const child: ChildProcess = spawn(server, ['--root', root, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    logs.push(...chunk.toString().split('\n').filter(Boolean));
    if (logs.length > 500) logs.splice(0, logs.length - 500);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  /** The settings a process of this system (or the CLI) needs to reach the cluster. */
  const clientEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: options.namespace,
    ...(tls && {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.client.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.client.key,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    }),
    ...overrides,
  });
  const temporalCli = (args: string[], env: Record<string, string> = clientEnv()) =>
    run(cli, args, { env: { ...process.env, ...env }, timeout: 30_000 });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    }
    for (const name of Object.values(databases)) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
    fs.rmSync(root, { recursive: true, force: true });
  };

  try {
    await waitForPort(host, ports.frontend, 60_000);
    // The namespace cache of a new frontend lags: retry until the namespace can be made and described.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await temporalCli(['operator', 'namespace', 'create', '--namespace', options.namespace, '--retention', '24h']).catch(
          (error) => {
            if (!String(error.stderr ?? error.message).includes('already')) throw error;
          },
        );
        await temporalCli(['operator', 'namespace', 'describe', '--namespace', options.namespace]);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  } catch (error) {
    await stop();
    throw new Error(`Temporal Server did not come up: ${(error as Error).message}\n${logs.slice(-40).join('\n')}`);
  }

  return { address, namespace: options.namespace, certs, clientEnv, temporalCli, logs, stop };
}
export type TemporalCluster = Awaited<ReturnType<typeof startTemporalCluster>>;
