import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BareActivities } from './activities';

/** The three task queues of the purchase saga, under names of their own so both can share one dev server. */
export const bareQueues = { store: 'bare-store', supplier: 'bare-supplier', carrier: 'bare-carrier' } as const;

/** Lets a held chain go on (the purchase's confirm signal). */
export const releaseSignal = defineSignal('release');
/** Whether a held chain has reached its hold (the purchase's RESERVE_DELIVERED, in its cancellation window). */
export const heldQuery = defineQuery<boolean>('held');

const options = { startToCloseTimeout: '30s' } as const;
const store = proxyActivities<BareActivities>({ ...options, taskQueue: bareQueues.store });
const supplier = proxyActivities<BareActivities>({ ...options, taskQueue: bareQueues.supplier });
const carrier = proxyActivities<BareActivities>({ ...options, taskQueue: bareQueues.carrier });

/**
 * Seven activities in the purchase's order: record, reserve, schedule, record, confirm, dispatch, record. With `hold`,
 * it waits after the fourth for the release signal, as a purchase waits in its window for confirm.
 */
export async function bareChain(id: string, hold = false): Promise<string> {
  let held = false;
  let released = !hold;
  setHandler(heldQuery, () => held);
  setHandler(releaseSignal, () => void (released = true));
  await store.record('PENDING');
  await supplier.reserve(id);
  await carrier.schedule(id);
  await store.record('RESERVE_DELIVERED');
  held = hold;
  await condition(() => released);
  await supplier.confirm(id);
  await carrier.dispatch(id);
  await store.record('COMPLETED');
  return id;
}
