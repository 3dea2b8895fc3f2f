/**
 * What every load benchmark starts the same way: the system's processes and the bare chain's workers, side by side on
 * one Temporal server, compiled as `npm start -- --production` runs them (or from the sources with `--source`).
 * Temporal is a dev server of the benchmark's own unless `--temporal-address host:port` (or TEMPORAL_ADDRESS) names a
 * running server; TEMPORAL_NAMESPACE (default `default`) and the other TEMPORAL_* settings apply to both sides.
 */
import { Client, Connection } from '@temporalio/client';
import { startSystem } from '../harness/system';
import { buildAll, buildIsCurrent } from '../scripts/build';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startBareWorkers, stopBareWorkers } from './bare-chain/start';
import { listenerPid } from './proc';

export const sideOptions = {
  'temporal-address': { type: 'string' },
  source: { type: 'boolean', default: false },
  /** Node.js flags for the system's processes beyond their own (launch/services.ts), to try one: `--node-flags=--max-semi-space-size=2`. */
  'node-flags': { type: 'string' },
} as const;

export async function startSides(values: { 'temporal-address'?: string; source?: boolean; 'node-flags'?: string }, env: Record<string, string>) {
  const external = values['temporal-address'] || process.env.TEMPORAL_ADDRESS || undefined;
  const compiled = !values.source;
  if (compiled && !buildIsCurrent()) {
    console.log('building dist/ (npm run build)');
    await buildAll();
  }
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const system = await startSystem({
    compiled,
    nodeOptions: values['node-flags']?.split(/\s+/).filter(Boolean) ?? [],
    externalTemporal: Boolean(external),
    env: { ...env, ...(external ? { TEMPORAL_ADDRESS: external } : {}) },
  });
  const bare = await startBareWorkers(system.temporalAddress, [], { compiled, env: { TEMPORAL_NAMESPACE: namespace } }).catch(
    async (error) => {
      await system.stop();
      throw error;
    },
  );
  const connection = await Connection.connect({ address: system.temporalAddress });
  // The bare chain's payloads are plain (its workers have no codec); the system's are encrypted with its keys.
  const client = new Client({ connection, namespace });
  const systemClient = new Client({ connection, namespace, dataConverter: system.dataConverter });
  const port = Number(system.temporalAddress.split(':').pop());
  const temporalPid = external ? (/^(127\.|localhost)/.test(external) ? listenerPid(port) : undefined) : system.pid('temporal');
  const describe = `${external ? `Temporal Server at ${external}` : 'Temporal dev server (SQLite)'}, namespace ${namespace}; ` +
    `${compiled ? 'compiled (dist/, plain Node.js)' : 'from the sources (tsx)'}` +
    `${values['node-flags'] ? `; services with ${values['node-flags']}` : ''}`;
  return {
    system,
    bare,
    /** A client for the bare chain. */
    client,
    /** A client for the system's workflows (its payload codec). */
    systemClient,
    temporalPid,
    describe,
    async stop() {
      await connection.close();
      await stopBareWorkers(bare);
      await system.stop();
    },
  };
}
