/**
 * One bare-chain worker process for one task queue (argv[2]: store, supplier or carrier); the store's also runs the
 * workflow, as the orchestrator does. Logs at WARN, as the services run in the benchmark.
 */
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import * as activities from './activities';
import { bareQueues } from './workflow';

async function main() {
  const role = process.argv[2] as keyof typeof bareQueues;
  if (!(role in bareQueues)) throw new Error(`usage: worker.ts store|supplier|carrier (got ${role})`);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: bareQueues[role],
    activities,
    ...(role === 'store' ? { workflowsPath: require.resolve('./workflow') } : {}),
  });
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  console.log(`bare ${role} worker polling`);
  await worker.run();
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
