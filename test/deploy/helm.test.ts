import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { envSchema, projectRoot } from '../../config';
import { compiledEntry } from '../../launch/services';
import { ensureTool } from '../../scripts/tools';

const run = promisify(execFile);
const chart = path.join(projectRoot, 'deploy/helm/purchase-saga');
const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts;
const workers = ['orchestrator', 'supplier', 'carrier'];
const processes = ['gateway', ...workers];
/** The variable each process reads its HTTP port from (config/index.ts). */
const portVariables = { gateway: 'PORT', orchestrator: 'ORCHESTRATOR_PORT', supplier: 'SUPPLIER_PORT', carrier: 'CARRIER_PORT' } as const;
const valueSets = { default: [], cloud: ['ci/temporal-cloud-values.yaml'], mtls: ['ci/mtls-values.yaml'] } as const;
type Rendered = any[];

/**
 * No Kubernetes cluster here, and kubeconform's schemas come from GitHub, which these machines cannot reach: the chart
 * is linted and rendered by Helm itself and the rendered objects are checked here.
 */
describe('the Helm chart', () => {
  let helm: string;
  const rendered: Record<keyof typeof valueSets, Rendered> = { default: [], cloud: [], mtls: [] };

  beforeAll(async () => {
    helm = await ensureTool('helm');
    for (const [name, files] of Object.entries(valueSets)) {
      const { stdout } = await run(helm, ['template', 'shop', chart, ...files.flatMap((file) => ['-f', path.join(chart, file)])]);
      rendered[name as keyof typeof valueSets] = parseAllDocuments(stdout).map((doc) => doc.toJS()).filter(Boolean);
    }
  }, 120_000);

  const find = (objects: Rendered, kind: string, name?: string) =>
    objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  const container = (objects: Rendered, process: string) =>
    find(objects, 'Deployment', `shop-purchase-saga-${process}`)[0].spec.template.spec.containers[0];
  const envOf = (c: any) => Object.fromEntries(c.env.map((entry: { name: string; value: string }) => [entry.name, entry.value]));

  it.each(Object.entries(valueSets))('passes helm lint with the %s values', async (_name, files) => {
    const { stdout } = await run(helm, ['lint', '--strict', chart, ...files.flatMap((file) => ['-f', path.join(chart, file)])]);
    expect(stdout).toContain('0 chart(s) failed');
  }, 60_000);

  it('has a Deployment, a Service and a disruption budget per process, each running the compiled form of its package.json entry point', () => {
    for (const process of processes) {
      const c = container(rendered.default, process);
      // The compiled form (npm run build) of the source the start script runs.
      const source = scripts[`start:${process}`].replace(/^node --import tsx /, '');
      expect(fs.existsSync(path.join(projectRoot, source))).toBe(true);
      expect(c.args).toEqual([compiledEntry(source)]);
      expect(find(rendered.default, 'Service', `shop-purchase-saga-${process}`)).toHaveLength(1);
      expect(find(rendered.default, 'PodDisruptionBudget', `shop-purchase-saga-${process}`)[0].spec.minAvailable).toBeGreaterThan(0);
    }
  });

  it('probes /ready for readiness and /health for liveness, on the process’s own port: a process waiting for its database or Temporal stays alive and out of its Service', () => {
    for (const process of processes) {
      const c = container(rendered.default, process);
      expect(c.readinessProbe.httpGet.path).toBe('/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(c.ports).toEqual([{ name: 'http', containerPort: expect.any(Number) }]);
      expect(c.readinessProbe.httpGet.port).toBe('http');
      expect(c.livenessProbe.httpGet.port).toBe('http');
      const variable = portVariables[process as keyof typeof portVariables];
      expect(Object.keys(envSchema.shape)).toContain(variable);
      expect(envOf(c)[variable]).toBe(String(c.ports[0].containerPort));
    }
  });

  it('scales each worker kind on its own with a HorizontalPodAutoscaler aimed at its Deployment', () => {
    const hpas = find(rendered.default, 'HorizontalPodAutoscaler');
    expect(hpas.map((hpa) => hpa.spec.scaleTargetRef.name).sort()).toEqual(workers.map((w) => `shop-purchase-saga-${w}`).sort());
    for (const hpa of hpas) expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    // An autoscaled Deployment leaves its replica count to the autoscaler.
    for (const worker of workers) expect(find(rendered.default, 'Deployment', `shop-purchase-saga-${worker}`)[0].spec.replicas).toBeUndefined();
  });

  it('runs as non-root with requests and limits, and gives workers longer than their drain to stop', () => {
    for (const process of processes) {
      const pod = find(rendered.default, 'Deployment', `shop-purchase-saga-${process}`)[0].spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10);
      const c = pod.containers[0];
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
  });

  it('mounts secrets as files and names them with <NAME>_FILE, never as values in the manifest', () => {
    const c = container(rendered.default, 'supplier');
    const env = envOf(c);
    expect(env.SUPPLIER_DATABASE_URL_FILE).toMatch(/^\/var\/run\/secrets\/purchase-saga\//);
    expect(c.volumeMounts.find((mount: { name: string }) => mount.name === 'secrets').readOnly).toBe(true);
    // By name, whatever the entry holds (a value or a valueFrom): no process gets a secret as a variable of its own.
    for (const process of processes) {
      const names = container(rendered.default, process).env.map((entry: { name: string }) => entry.name);
      for (const secret of ['DATABASE_URL', 'SUPPLIER_DATABASE_URL', 'CARRIER_DATABASE_URL', 'ADMIN_PASSWORD']) {
        expect(names).toContain(`${secret}_FILE`);
        expect(names).not.toContain(secret);
      }
    }
    expect(find(rendered.default, 'Secret')).toHaveLength(0);
  });

  it('runs each database’s migrations once per release in a hook Job', () => {
    const jobs = find(rendered.default, 'Job');
    expect(jobs.map((job) => job.spec.template.spec.containers[0].args.slice(0, 4))).toEqual([
      ['dist/scripts/prisma.js', 'store', 'migrate', 'deploy'],
      ['dist/scripts/prisma.js', 'supplier', 'migrate', 'deploy'],
      ['dist/scripts/prisma.js', 'carrier', 'migrate', 'deploy'],
    ]);
    for (const job of jobs) expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
  });

  it('connects to Temporal Cloud with an API key from a Secret file, and exposes the gateway through an Ingress', () => {
    const env = envOf(container(rendered.cloud, 'orchestrator'));
    expect(env).toMatchObject({ TEMPORAL_ADDRESS: 'shop.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'shop.a1b2c' });
    expect(env.TEMPORAL_API_KEY_FILE).toBe('/var/run/secrets/temporal-api-key/api-key');
    expect(env.TEMPORAL_API_KEY).toBeUndefined();
    const ingress = find(rendered.cloud, 'Ingress')[0];
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('shop-purchase-saga-gateway');
    expect(find(rendered.default, 'Ingress')).toHaveLength(0);
  });

  it('connects with mutual TLS from a Secret mounted as files, and adds a ServiceMonitor when asked', () => {
    const c = container(rendered.mtls, 'carrier');
    expect(envOf(c)).toMatchObject({
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/var/run/secrets/temporal-tls/tls.crt',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/var/run/secrets/temporal-tls/tls.key',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/var/run/secrets/temporal-tls/ca.crt',
      TEMPORAL_TLS_SERVER_NAME: 'temporal-frontend.temporal.svc.cluster.local',
    });
    const pod = find(rendered.mtls, 'Deployment', 'shop-purchase-saga-carrier')[0].spec.template.spec;
    expect(pod.volumes.find((volume: { name: string }) => volume.name === 'temporal-tls').secret.secretName).toBe('temporal-client-tls');
    expect(find(rendered.mtls, 'ServiceMonitor')).toHaveLength(1);
  });

  it('refuses TLS without the Secret that holds the certificates', async () => {
    await expect(run(helm, ['template', 'shop', chart, '--set', 'temporal.tls.enabled=true'])).rejects.toThrow(
      /temporal.tls.existingSecret is required/,
    );
  });

  it('passes APP_ENV and CONSUL_HTTP_ADDR from the values to every process, and refuses an unknown APP_ENV', async () => {
    const render = async (...set: string[]) => {
      const { stdout } = await run(helm, ['template', 'shop', chart, ...set.flatMap((value) => ['--set', value])]);
      return parseAllDocuments(stdout).map((doc) => doc.toJS()).filter(Boolean) as Rendered;
    };
    const settingsOf = (objects: Rendered) => find(objects, 'ConfigMap', 'shop-purchase-saga')[0].data;
    expect(settingsOf(rendered.default)).toMatchObject({ APP_ENV: 'prod', CONSUL_HTTP_ADDR: '' });
    for (const process of processes) {
      expect(container(rendered.default, process).envFrom).toEqual([{ configMapRef: { name: 'shop-purchase-saga' } }]);
    }
    const withConsul = await render('config.APP_ENV=staging', 'config.CONSUL_HTTP_ADDR=http://consul-server.consul:8500');
    expect(settingsOf(withConsul)).toMatchObject({ APP_ENV: 'staging', CONSUL_HTTP_ADDR: 'http://consul-server.consul:8500' });
    await expect(render('config.APP_ENV=qa')).rejects.toThrow(/config.APP_ENV must be dev, staging or prod/);
  }, 60_000);

  const render = async (...set: string[]) => {
    const { stdout } = await run(helm, ['template', 'shop', chart, ...set.flatMap((value) => ['--set', value])]);
    return parseAllDocuments(stdout).map((doc) => doc.toJS()).filter(Boolean) as Rendered;
  };

  it('registers each pod at its own IP under its own name (the downward API), listening on every interface', () => {
    for (const process of processes) {
      const env = container(rendered.default, process).env as { name: string; value?: string; valueFrom?: unknown }[];
      const byName = Object.fromEntries(env.map((entry) => [entry.name, entry]));
      expect(byName.SERVICE_ADDRESS).toEqual({ name: 'SERVICE_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
      expect(byName.POD_NAME).toEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
      expect(byName.SERVICE_HOST).toEqual({ name: 'SERVICE_HOST', value: '0.0.0.0' });
      expect(Object.keys(envSchema.shape)).toEqual(expect.arrayContaining(['SERVICE_ADDRESS', 'POD_NAME', 'SERVICE_HOST']));
    }
  });

  it('gives every process the service token, the payload keys, and the Consul token when set, as files from the Secret, never as values', async () => {
    for (const process of processes) {
      const c = container(rendered.default, process);
      const names = c.env.map((entry: { name: string }) => entry.name);
      expect(envOf(c).SERVICE_TOKEN_FILE).toBe('/var/run/secrets/purchase-saga/service-token');
      expect(names).not.toContain('SERVICE_TOKEN');
      expect(envOf(c).PAYLOAD_KEYS_FILE).toBe('/var/run/secrets/purchase-saga/payload-keys');
      expect(names).not.toContain('PAYLOAD_KEYS');
      expect(names).not.toContain('CONSUL_HTTP_TOKEN');
      expect(names).not.toContain('CONSUL_HTTP_TOKEN_FILE');
    }
    const withAcl = await render('secrets.keys.consulToken=consul-token');
    for (const process of processes) {
      expect(envOf(container(withAcl, process)).CONSUL_HTTP_TOKEN_FILE).toBe('/var/run/secrets/purchase-saga/consul-token');
    }
    await expect(render('secrets.keys.serviceToken=')).rejects.toThrow(/secrets.keys.serviceToken is required/);
    await expect(render('secrets.keys.payloadKeys=')).rejects.toThrow(/secrets.keys.payloadKeys is required/);
  }, 60_000);

  it('requires Redis when the gateway runs more than one replica, and gives it to the gateway alone', async () => {
    expect(envOf(container(rendered.default, 'gateway')).REDIS_URL_FILE).toBe('/var/run/secrets/purchase-saga/redis-url');
    for (const worker of workers) expect(envOf(container(rendered.default, worker)).REDIS_URL_FILE).toBeUndefined();
    const refusal = /processes.gateway runs more than one replica: set secrets.keys.redisUrl/;
    await expect(render('secrets.keys.redisUrl=')).rejects.toThrow(refusal);
    await expect(render('secrets.keys.redisUrl=', 'processes.gateway.replicas=1', 'processes.gateway.autoscaling.enabled=true')).rejects.toThrow(refusal);
    const single = await render('secrets.keys.redisUrl=', 'processes.gateway.replicas=1');
    expect(find(single, 'Deployment', 'shop-purchase-saga-gateway')[0].spec.replicas).toBe(1);
    expect(envOf(container(single, 'gateway')).REDIS_URL_FILE).toBeUndefined();
  }, 60_000);

  describe('NetworkPolicies', () => {
    type Peer = { podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown };
    type Rule = { from?: Peer[]; to?: Peer[]; ports?: { port: number | string; protocol: string }[] };
    const policy = (objects: Rendered, process: string) => find(objects, 'NetworkPolicy', `shop-purchase-saga-${process}`)[0].spec;
    const componentOf = (peer: Peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component'];
    const portsOf = (rules: Rule[]) => rules.flatMap((rule) => (rule.ports ?? []).map((port) => port.port));

    it('select each process’s pods and govern both directions, unless turned off', async () => {
      expect(find(rendered.default, 'NetworkPolicy')).toHaveLength(processes.length);
      for (const process of processes) {
        const spec = policy(rendered.default, process);
        expect(spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'shop', 'app.kubernetes.io/component': process });
        expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
      }
      expect(find(await render('networkPolicy.enabled=false'), 'NetworkPolicy')).toHaveLength(0);
    }, 60_000);

    it('let only the gateway reach the supplier’s and carrier’s ports, besides Prometheus and the Consul agents', () => {
      for (const owner of ['supplier', 'carrier']) {
        const ingress: Rule[] = policy(rendered.default, owner).ingress;
        // Every rule names its sources: none admits anyone.
        for (const rule of ingress) expect(rule.from?.length).toBeGreaterThan(0);
        const pods = ingress.flatMap((rule) => rule.from!.filter((peer) => peer.podSelector));
        expect(pods).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'shop', 'app.kubernetes.io/component': 'gateway' } } }]);
        const others = ingress.flatMap((rule) => rule.from!.filter((peer) => !peer.podSelector));
        expect(others).toEqual([
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'consul' } } },
        ]);
        expect(new Set(portsOf(ingress))).toEqual(new Set(['http']));
      }
      // The orchestrator: no API, so no gateway either; the gateway takes requests from anywhere (the Ingress).
      const orchestrator: Rule[] = policy(rendered.default, 'orchestrator').ingress;
      expect(orchestrator.flatMap((rule) => rule.from ?? []).filter(componentOf)).toEqual([]);
      expect(policy(rendered.default, 'gateway').ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    });

    it('let the workers reach DNS, Temporal, Consul and their own database alone; the gateway its database, the owners and Redis', () => {
      const databasePort = { orchestrator: 5432, supplier: 5432, carrier: 3306, gateway: 5432 } as const;
      for (const process of processes) {
        const egress: Rule[] = policy(rendered.default, process).egress;
        const expected = [53, 53, 7233, 8500, 8501, databasePort[process as keyof typeof databasePort]];
        if (process === 'gateway') expected.push(3001, 3002, 6379);
        expect(portsOf(egress).sort()).toEqual(expected.sort());
      }
      const gatewayEgress: Rule[] = policy(rendered.default, 'gateway').egress;
      const owners = gatewayEgress.filter((rule) => rule.to?.some(componentOf));
      expect(owners.map((rule) => [componentOf(rule.to![0]!), rule.ports![0]!.port])).toEqual([['supplier', 3001], ['carrier', 3002]]);
    });
  });
});
