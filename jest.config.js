/**
 * Suites, one project each: unit (pure functions), integration (real Temporal, real databases), e2e (real processes over
 * HTTP), fault (the system under injected faults), hostile (property-based attacks on the gateway's input and auth),
 * cluster (the system against Temporal Server itself, on PostgreSQL with mutual TLS), observability (metrics, rules,
 * traces and logs through real Prometheus and Jaeger), deploy (the Compose file, the Dockerfile, the GitHub workflows),
 * consul (discovery and live configuration on a real Consul agent), topology (the system deployed on simulated hosts:
 * network namespaces behind an nginx proxy, with Consul, Redis, Temporal Server and each owner's database at addresses
 * of their own behind a firewall; as root) and contracts (the OpenAPI documents, the generated
 * client, Pact between the gateway and the owners' APIs, the activities' schemas).
 */
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
// @oslojs and postgrator ship ES modules only; jest's CommonJS runtime needs them transformed.
const transformIgnorePatterns = ['/node_modules/(?!(@oslojs|postgrator|https-proxy-agent|agent-base|proxy-agent-negotiate)/)'];
const project = (name, timeout) => ({
  displayName: name,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform,
  transformIgnorePatterns,
  slowTestThreshold: timeout,
});

module.exports = {
  projects: [project('unit', 5), project('integration', 60), project('e2e', 120), project('fault', 300), project('hostile', 60), project('cluster', 180), project('observability', 120), project('deploy', 300), project('consul', 60), project('topology', 480), project('contracts', 30)],
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
