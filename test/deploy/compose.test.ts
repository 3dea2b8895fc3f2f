import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { projectRoot } from '../../config';
import { compiledEntry } from '../../launch/services';
import { ensureTool } from '../../scripts/tools';

const run = promisify(execFile);
const workers = ['orchestrator', 'supplier', 'carrier'];
const processes = ['gateway', ...workers];
/** The file a deployment's service token is in (a test value, in a folder of the test's own). */
const tokenDir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-token-'));
const serviceTokenFile = path.join(tokenDir, 'service-token');
fs.writeFileSync(serviceTokenFile, 'compose-test-service-token-0123456789\n');
const payloadKeysFile = path.join(tokenDir, 'payload-keys');
fs.writeFileSync(payloadKeysFile, `compose-test-key:${Buffer.alloc(32, 1).toString('base64')}\n`);
afterAll(() => fs.rmSync(tokenDir, { recursive: true, force: true }));
/** What Compose needs set: the admin password, the service token's file and the payload keys' file. */
const required = { ADMIN_PASSWORD: 'compose-test-password', SERVICE_TOKEN_FILE: serviceTokenFile, PAYLOAD_KEYS_FILE: payloadKeysFile };
/** A published port, in either of Compose's forms ("127.0.0.1:9090:9090/tcp" or {published, target}). */
function published(port: string | { published: number; target: number; host_ip?: string }) {
  if (typeof port !== 'string') return { hostIp: port.host_ip ?? '', published: Number(port.published), target: Number(port.target) };
  const parts = port.replace(/\/\w+$/, '').split(':');
  const [target, hostPort, ...host] = parts.reverse();
  return { hostIp: host.reverse().join(':'), published: Number(hostPort ?? target), target: Number(target) };
}

/** No Docker engine runs here: the Compose file is checked by Compose itself (`config`) and by reading what it resolves. */
describe('docker-compose.yml', () => {
  let resolved: any;

  beforeAll(async () => {
    const compose = await ensureTool('docker-compose');
    const { stdout } = await run(compose, ['-f', 'docker-compose.yml', 'config'], {
      cwd: projectRoot,
      env: { ...process.env, ...required },
    });
    resolved = parse(stdout);
  }, 120_000);

  it('resolves, with every service of the stack', () => {
    expect(Object.keys(resolved.services).sort()).toEqual(
      [
        'alertmanager', 'carrier', 'consul', 'gateway', 'grafana', 'jaeger', 'loki', 'mysql', 'orchestrator', 'postgresql',
        'prometheus', 'supplier', 'temporal', 'temporal-search-attributes', 'temporal-ui',
      ].sort(),
    );
  });

  it('runs Loki only with --profile logs, pointing the processes at it only when LOKI_URL is set', async () => {
    // A service with a profile is started only when its profile is asked for.
    expect(resolved.services.loki.profiles).toEqual(['logs']);
    expect(resolved.services.supplier.environment.LOKI_URL).toBe('');
    const compose = await ensureTool('docker-compose');
    const { stdout } = await run(compose, ['-f', 'docker-compose.yml', '--profile', 'logs', 'config'], {
      cwd: projectRoot,
      env: { ...process.env, ...required, LOKI_URL: 'http://loki:3100' },
    });
    const withLogs = parse(stdout);
    expect(withLogs.services.loki.image).toMatch(/^grafana\/loki:/);
    expect(withLogs.services.loki.ports.map((port: any) => published(port).target)).toEqual([3100]);
    for (const name of processes) expect(withLogs.services[name].environment.LOKI_URL).toBe('http://loki:3100');
    // Grafana has Loki as a datasource, at the address it has in the stack.
    expect(withLogs.services.grafana.environment.LOKI_URL).toBe('http://loki:3100');
    const datasource = parse(fs.readFileSync(path.join(projectRoot, 'deploy/grafana/provisioning/datasources/loki.yml'), 'utf8'));
    expect(datasource.datasources).toEqual([expect.objectContaining({ type: 'loki', url: '${LOKI_URL}' })]);
  });

  it('refuses to start without an admin password rather than using a default one', async () => {
    const compose = await ensureTool('docker-compose');
    const { ADMIN_PASSWORD: _unset, ...env } = process.env;
    await expect(
      run(compose, ['-f', 'docker-compose.yml', 'config'], {
        cwd: projectRoot,
        env: { ...env, SERVICE_TOKEN_FILE: serviceTokenFile, PAYLOAD_KEYS_FILE: payloadKeysFile },
      }),
    ).rejects.toThrow(/ADMIN_PASSWORD/);
  });

  it('runs the four processes from the one image, each entry point the compiled form of one of package.json’s start scripts', () => {
    const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts;
    for (const name of processes) {
      const service = resolved.services[name];
      expect(service.build).toBeDefined();
      expect(service.image).toBe('purchase-saga:local');
      // The compiled form (npm run build) of the source the start script runs.
      const source = scripts[`start:${name}`].replace(/^node --import tsx /, '');
      expect(fs.existsSync(path.join(projectRoot, source))).toBe(true);
      expect(service.command).toEqual([compiledEntry(source)]);
      expect(service.environment.NODE_ENV).toBe('production');
    }
  });

  it('publishes no host port for the workers, so each kind scales (--scale supplier=3)', () => {
    for (const name of workers) expect(resolved.services[name].ports ?? []).toEqual([]);
    expect(resolved.services.gateway.ports).toHaveLength(1);
  });

  it('gives the processes time to drain on stop', () => {
    for (const name of workers) expect(resolved.services[name].stop_grace_period).toBe('30s');
  });

  it('starts the processes only once Temporal, its search attributes and the databases are ready', () => {
    for (const name of processes) {
      const needs = resolved.services[name].depends_on;
      expect(needs.temporal.condition).toBe('service_healthy');
      expect(needs['temporal-search-attributes'].condition).toBe('service_completed_successfully');
      expect(needs.postgresql.condition).toBe('service_healthy');
      expect(needs.mysql.condition).toBe('service_healthy');
      expect(needs.consul.condition).toBe('service_healthy');
    }
    expect(resolved.services['temporal-search-attributes'].command.join(' ')).toMatch(/CustomerId.*PurchaseStatus/);
  });

  it('has a health check on every long-running server it starts, and the app image brings its own', () => {
    for (const name of ['postgresql', 'mysql', 'temporal', 'consul', 'prometheus', 'alertmanager', 'jaeger']) {
      expect(resolved.services[name].healthcheck?.test).toBeDefined();
    }
    expect(fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8')).toMatch(/^HEALTHCHECK .*scripts\/healthcheck\.mjs/m);
  });

  it('keeps data in named volumes and mounts only files that exist', () => {
    expect(Object.keys(resolved.volumes).sort()).toEqual(['grafana-data', 'mysql-data', 'postgresql-data', 'prometheus-data']);
    const mounted = Object.values<any>(resolved.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => (typeof volume === 'string' ? volume.split(':')[0] : volume.source))
      .filter((source: string) => source.startsWith('/') || source.startsWith('.'))
      .map((source: string) => path.relative(projectRoot, path.resolve(projectRoot, source)));
    expect(mounted.sort()).toEqual([
      'deploy/compose/postgresql-init.sql',
      'deploy/compose/prometheus.yml',
      'deploy/grafana/dashboards',
      'deploy/grafana/provisioning',
      'deploy/prometheus/alert-rules.yml',
      'deploy/prometheus/alertmanager.yml',
      'deploy/prometheus/recording-rules.yml',
    ]);
    for (const source of mounted) expect(fs.existsSync(path.join(projectRoot, source))).toBe(true);
  });

  it('points the services at one another by service name', () => {
    const env = resolved.services.supplier.environment;
    expect(env).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', CONSUL_HTTP_ADDR: 'http://consul:8500' });
    expect(env.SUPPLIER_DATABASE_URL).toMatch(/@postgresql:5432\/supplier$/);
    expect(env.CARRIER_DATABASE_URL).toMatch(/^mysql:\/\/.*@mysql:3306\/carrier$/);
  });

  it('passes APP_ENV (prod unless APP_ENV says otherwise) and the Consul agent’s address to the four processes', async () => {
    for (const name of processes) {
      expect(resolved.services[name].environment).toMatchObject({ APP_ENV: 'prod', CONSUL_HTTP_ADDR: 'http://consul:8500' });
      expect(resolved.services[name].depends_on.consul.condition).toBe('service_healthy');
    }
    const compose = await ensureTool('docker-compose');
    const { stdout } = await run(compose, ['-f', 'docker-compose.yml', 'config'], {
      cwd: projectRoot,
      env: { ...process.env, ...required, APP_ENV: 'staging' },
    });
    const staging = parse(stdout);
    for (const name of processes) expect(staging.services[name].environment.APP_ENV).toBe('staging');
  }, 120_000);

  it('refuses to start without a service token file rather than using a fixed token', async () => {
    const compose = await ensureTool('docker-compose');
    const { SERVICE_TOKEN_FILE: _unset, ...env } = process.env;
    await expect(
      run(compose, ['-f', 'docker-compose.yml', 'config'], {
        cwd: projectRoot,
        env: { ...env, ADMIN_PASSWORD: required.ADMIN_PASSWORD, PAYLOAD_KEYS_FILE: payloadKeysFile },
      }),
    ).rejects.toThrow(/SERVICE_TOKEN_FILE/);
  });

  it('refuses to start without a payload keys file rather than using a fixed key', async () => {
    const compose = await ensureTool('docker-compose');
    const { PAYLOAD_KEYS_FILE: _unset, ...env } = process.env;
    await expect(
      run(compose, ['-f', 'docker-compose.yml', 'config'], {
        cwd: projectRoot,
        env: { ...env, ADMIN_PASSWORD: required.ADMIN_PASSWORD, SERVICE_TOKEN_FILE: serviceTokenFile },
      }),
    ).rejects.toThrow(/PAYLOAD_KEYS_FILE/);
  });

  it('gives the four processes the service token and the payload keys as secret files, never as values', () => {
    expect(resolved.secrets).toEqual({ 'service-token': { file: serviceTokenFile }, 'payload-keys': { file: payloadKeysFile } });
    for (const name of processes) {
      const service = resolved.services[name];
      expect(service.environment.SERVICE_TOKEN_FILE).toBe('/run/secrets/service-token');
      expect(service.environment.SERVICE_TOKEN).toBeUndefined();
      expect(service.environment.PAYLOAD_KEYS_FILE).toBe('/run/secrets/payload-keys');
      expect(service.environment.PAYLOAD_KEYS).toBeUndefined();
      expect(service.secrets.map((secret: string | { source: string }) => (typeof secret === 'string' ? secret : secret.source))).toEqual([
        'service-token',
        'payload-keys',
      ]);
    }
    expect(JSON.stringify(resolved)).not.toContain(Buffer.alloc(32, 1).toString('base64'));
    // The token itself is nowhere in the resolved file: only the path of the file that holds it.
    expect(JSON.stringify(resolved)).not.toContain('compose-test-service-token');
  });

  it('registers each process in Consul under its own service name, listening on the container’s interfaces', () => {
    for (const name of processes) {
      expect(resolved.services[name].environment).toMatchObject({ SERVICE_ADDRESS: name, SERVICE_HOST: '0.0.0.0' });
    }
  });

  it('publishes the gateway alone on every interface, and every other port on 127.0.0.1 only', () => {
    const ports = Object.entries<any>(resolved.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port: any) => ({ name, ...published(port) })),
    );
    const open = ports.filter((port) => port.hostIp !== '127.0.0.1');
    expect(open).toEqual([{ name: 'gateway', hostIp: '', published: 3000, target: 3000 }]);
    // The UIs and Temporal's port are there for the machine's own user.
    expect(ports.filter((port) => port.hostIp === '127.0.0.1').map((port) => port.name).sort()).toEqual(
      ['alertmanager', 'consul', 'grafana', 'jaeger', 'loki', 'prometheus', 'temporal', 'temporal-ui'].sort(),
    );
  });
});
