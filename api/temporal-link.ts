import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { connectionOptions, describeConnection, type TemporalConnectionSettings } from '../config/temporal';
import { explainTemporalFailure, type TemporalProblem } from '../config/temporal-diagnosis';
import type { Logger } from '../logging';
import { clientInterceptors } from '../observability/temporal-tracing';

const checkEveryMs = { down: 2_000, up: 10_000 };

/**
 * The gateway's Temporal client, usable before Temporal answers: the connection is lazy (gRPC connects, and
 * reconnects, on demand), so the gateway listens at once and `/health` answers during a Temporal outage, while a
 * watcher keeps an honest account of why Temporal cannot be used for `/ready` and logs each new reason once.
 */
export function createTemporalLink(settings: TemporalConnectionSettings, logger: Logger, dataConverter: DataConverter) {
  const connection = Connection.lazy({ ...connectionOptions(settings), connectTimeout: '5s' });
  // The interceptors carry the request's trace and request id into the workflow.
  // The data converter encrypts every payload it writes (codec/); the codec server (/codec) uses it too.
  const client = new Client({ connection, namespace: settings.namespace, dataConverter, interceptors: clientInterceptors() });
  let problem: TemporalProblem | undefined = {
    code: 'TEMPORAL_UNREACHABLE',
    message: `Not connected to Temporal at ${settings.address} yet`,
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function check() {
    try {
      await client.withDeadline(Date.now() + 5_000, () =>
        connection.workflowService.describeNamespace({ namespace: settings.namespace }),
      );
      if (problem) logger.info(describeConnection(settings), 'Connected to Temporal');
      problem = undefined;
    } catch (error) {
      const found = await explainTemporalFailure(settings, error);
      if (found.message !== problem?.message) {
        logger.error({ ...describeConnection(settings), code: found.code }, found.message);
      }
      problem = found;
    }
    if (!stopped) timer = setTimeout(() => void check(), problem ? checkEveryMs.down : checkEveryMs.up);
  }
  void check();

  return {
    client,
    /** Why Temporal cannot be used, as last seen; undefined while it answers. */
    problem: () => problem,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await connection.close().catch(() => undefined);
    },
  };
}
export type TemporalLink = ReturnType<typeof createTemporalLink>;
