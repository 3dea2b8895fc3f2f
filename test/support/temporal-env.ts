import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributes } from '../../contracts/temporal';

/** A real Temporal dev server (the installed CLI), on a random port, with the purchase search attributes. */
export function createTemporalTestEnvironment(): Promise<TestWorkflowEnvironment> {
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('TEMPORAL_CLI is not set: run the tests through jest (test/global-setup.ts installs it)');
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      searchAttributes: Object.values(searchAttributes),
      ip: '127.0.0.1',
    },
  });
}
