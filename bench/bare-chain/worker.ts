/**
 * One bare-chain worker process for one task queue (argv[2]: store, supplier or carrier); the store's also runs the
 * workflow, from a prebuilt bundle (argv[3]) as the orchestrator does. Logs at WARN, as
 * the services run in the benchmark. Every other worker option is the SDK's default. Answers a `memory` message
 * (IPC) with its main thread's memory figures, as a service's /metrics gives them.
 */
import v8 from 'node:v8';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import * as activities from './activities';
import { bareQueues } from './workflow';

async function main() {
  const role = process.argv[2] as keyof typeof bareQueues;
  const bundle = process.argv[3];
  if (!(role in bareQueues) || (role === 'store' && !bundle)) throw new Error(`usage: worker.ts store|supplier|carrier BUNDLE (got ${role})`);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  process.on('message', (message) => {
    if (message !== 'memory') return;
    const { heapUsed, heapTotal, external, arrayBuffers, rss } = process.memoryUsage();
    process.send?.({ heapUsed, heapTotal, external, arrayBuffers, rss, heapLimit: v8.getHeapStatistics().heap_size_limit });
  });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: bareQueues[role],
    activities,
    ...(role === 'store' ? { workflowBundle: { codePath: bundle! } } : {}),
  });
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  console.log(`bare ${role} worker polling`);
  await worker.run();
  await connection.close();
  process.disconnect?.();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
