import fs from 'node:fs';
import path from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type ReplayResult, type WorkflowBundleOption } from '@temporalio/worker';
import { workflowSinks } from '../../observability/temporal-tracing';
import { expectedHistoryEnd, historiesDir, historyEnd, historyFile, scenarioNames } from '../../scripts/record-histories';
import { workflowBundleFor } from '../../workers/workflow-bundle';

/**
 * Purchases in flight survive a change to the workflow only if the new code makes the same decisions from their
 * histories. These histories were recorded from real purchases (npm run record:histories); each is replayed against
 * the workflow code as it is now, and a nondeterminism error fails the test.
 */
let bundle: WorkflowBundleOption;

beforeAll(async () => {
  // The replay workers' start and stop lines are noise here; a nondeterminism error is in the test's own failure.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // The workers' own bundle (build/workflows), with the workflow interceptors (tracing, request context) they run,
  // rebuilt here whenever a source differs from the one it came from.
  bundle = await workflowBundleFor(require.resolve('../../workflows'));
});

function recordedHistories(): HistoryAndWorkflowId[] {
  return fs
    .readdirSync(historiesDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8')),
    }));
}

async function replay(histories: HistoryAndWorkflowId[]): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  // The workflow's spans go to a sink, as in the worker; replay drops them.
  const sinks = workflowSinks();
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'purchase-replay', sinks }, histories)) {
    results.push(result);
  }
  return results;
}

describe('replaying recorded purchase histories', () => {
  it('has a recorded history of the current workflow revision for every scenario the recorder knows', () => {
    // Older revisions' recordings and further files (histories downloaded from a running system) are replayed too.
    expect(recordedHistories().map((history) => `${history.workflowId}.json`)).toEqual(
      expect.arrayContaining(scenarioNames.map(historyFile)),
    );
  });

  it('has every history recorded to its end: the workflow closed, or for a purchase recorded open, its last task completed', () => {
    // A history cut off inside a workflow task lacks that task's decisions (often the last ones): replay never checks them.
    const ends = recordedHistories().map(({ workflowId, history }) => ({ workflowId, end: historyEnd(history) }));
    expect(ends).toEqual(ends.map(({ workflowId }) => ({ workflowId, end: expectedHistoryEnd(workflowId.split('.')[0]!) })));
    expect(ends.length).toBeGreaterThanOrEqual(scenarioNames.length);
  });

  it('replays every recorded history against the workflow as it is, without a nondeterminism error', async () => {
    const histories = recordedHistories();
    const results = await replay(histories);
    expect(results.map(({ workflowId, error }) => ({ workflowId, error: error?.message }))).toEqual(
      histories.map(({ workflowId }) => ({ workflowId, error: undefined })),
    );
  });

  it('fails a history whose recorded decisions the workflow no longer makes', async () => {
    // The same purchase, as if an older workflow had scheduled another first activity: replay must refuse it.
    const [original] = recordedHistories().filter((history) => history.workflowId === 'completed-after-window');
    const history = structuredClone(original!.history) as { events: Record<string, any>[] };
    const scheduled = history.events.find((event) => event.activityTaskScheduledEventAttributes);
    scheduled!.activityTaskScheduledEventAttributes.activityType.name = 'chargeCard';
    const [result] = await replay([{ workflowId: 'changed-workflow', history }]);
    expect(result?.error?.name).toBe('DeterminismViolationError');
  });
});
