/**
 * `npm run bench:temporal-server`: Temporal Server itself (not the dev server) on the local PostgreSQL, without TLS,
 * for `npm run bench -- --temporal-address …` and the other benchmarks. Built and set up as the cluster suite's
 * (scripts/temporal-server.ts): its own two databases, schemas from the server's module, namespace `default`.
 * Prints the address, runs until Ctrl-C (or SIGTERM), then stops the server and drops its databases.
 */
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startTemporalCluster } from '../scripts/temporal-server';

async function main() {
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  const server = await startTemporalCluster({ namespace: process.env.TEMPORAL_NAMESPACE || 'default', tls: false });
  console.log(`Temporal Server (PostgreSQL, no TLS) at ${server.address}, namespace ${server.namespace}`);
  console.log(`npm run bench -- --temporal-address ${server.address}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    console.log('Temporal Server stopped, its databases dropped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
