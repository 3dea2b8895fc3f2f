import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './activities';

/** The three task queues of the purchase saga, under names of their own so both can share one dev server. */
export const bareQueues = { store: 'bare-store', supplier: 'bare-supplier', carrier: 'bare-carrier' } as const;

const options = { startToCloseTimeout: '30s' } as const;
const store = proxyActivities<BareActivities>({ ...options, taskQueue: bareQueues.store });
const supplier = proxyActivities<BareActivities>({ ...options, taskQueue: bareQueues.supplier });
const carrier = proxyActivities<BareActivities>({ ...options, taskQueue: bareQueues.carrier });

/** Seven activities in the purchase's order: record, reserve, schedule, record, confirm, dispatch, record. */
export async function bareChain(id: string): Promise<string> {
  await store.record('PENDING');
  await supplier.reserve(id);
  await carrier.schedule(id);
  await store.record('CONFIRMED');
  await supplier.confirm(id);
  await carrier.dispatch(id);
  await store.record('COMPLETED');
  return id;
}
