import fs from 'node:fs';
import path from 'node:path';
import { cancelCameBeforeCommit, type SagaHistoryEvent } from '../../../chaos/invariants';

/** Histories the real workflow wrote (scripts/record-histories.ts). */
const recorded = (scenario: string): SagaHistoryEvent[] =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/histories', `${scenario}.json`), 'utf8')).events;

const cancel: SagaHistoryEvent = { workflowExecutionSignaledEventAttributes: { signalName: 'cancel' } };

describe('whether the saga took a planned cancel', () => {
  it('took a cancel signalled inside the window', () => {
    expect(cancelCameBeforeCommit(recorded('cancelled-by-signal'))).toBe(true);
  });

  it('had no cancel to take when none was signalled', () => {
    expect(cancelCameBeforeCommit(recorded('completed-after-window'))).toBe(false);
  });

  it('ignored a cancel signalled once the commit step was scheduled: the purchase rightly completes', () => {
    const events = recorded('completed-after-window');
    const commit = events.findIndex((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'confirmSale');
    expect(commit).toBeGreaterThan(0);
    const late = [...events.slice(0, commit + 1), cancel, ...events.slice(commit + 1)];
    expect(cancelCameBeforeCommit(late)).toBe(false);
    const early = [...events.slice(0, commit), cancel, ...events.slice(commit)];
    expect(cancelCameBeforeCommit(early)).toBe(true);
  });

  it('does not count another signal as a cancel', () => {
    const events = recorded('completed-on-confirm');
    expect(events.some((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'confirm')).toBe(true);
    expect(cancelCameBeforeCommit(events)).toBe(false);
  });
});
