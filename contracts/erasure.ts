import { z } from 'zod';
import type { ActivitiesOf } from './activities';
import { activityTaskQueues, erasureBatchSize, taskQueues } from './temporal';

export { erasureBatchSize, erasureWorkflowId, erasureWorkflowType } from './temporal';

/**
 * Erasing a customer (CONTRACT.md, "Personal data"): `DELETE /auth/me` or `DELETE /users/:id` starts workflow
 * `erasure` with id `erasure-<userId>` on the `purchases` task queue. It cancels the customer's purchases in flight
 * and waits for them to end (they compensate), then each owner scrubs its own records in an activity of its own (the
 * carrier's deliveries, the store's purchase records, then the store's account), then the customer's closed purchase
 * workflows are deleted from Temporal. Amounts, statuses, SKUs and dates stay for the books. Every step is idempotent:
 * a second erasure of the same customer finds nothing left to change.
 */
export const erasureTaskQueue = taskQueues.purchases;

/** What an erased address reads as: the country stays (the carrier's books count by country), the rest is gone. */
export const erasedText = '[erased]';
/** The email an erased account keeps: unique, and no address anyone can own (RFC 2606 reserves `.invalid`). */
export const erasedEmail = (userId: string) => `erased-${userId}@erased.invalid`;
/** A password hash no password matches: the account cannot sign in again. */
export const erasedPasswordHash = '!erased';

const Id = z.string().min(1).max(200);
const Batch = z.array(Id).max(erasureBatchSize);

export const ErasureInput = z.object({ customerId: Id }).strict();
export type ErasureInput = z.infer<typeof ErasureInput>;

/** One of the customer's purchases as the store knows it: its record, or only its in-flight slot. */
export const CustomerPurchase = z.object({ purchaseId: Id, workflowId: Id, final: z.boolean() });
export type CustomerPurchase = z.infer<typeof CustomerPurchase>;

/** What an erasure did, where: the workflow's result, shown in the Web UI and by `GET /erasures/:id`. */
export const ErasureResult = z.object({
  customerId: Id,
  /** Purchases that were in flight and were asked to cancel (those already confirmed complete instead). */
  cancelled: z.array(Id),
  carrier: z.object({ deliveriesScrubbed: z.number().int().min(0) }),
  store: z.object({
    purchasesScrubbed: z.number().int().min(0),
    accountScrubbed: z.boolean(),
    sessionsEnded: z.number().int().min(0),
  }),
  temporal: z.object({
    workflowsDeleted: z.number().int().min(0),
    /** Purchase workflows still running when the deletion came (a saga that cannot end yet): kept, never terminated. */
    stillRunning: z.array(Id),
  }),
});
export type ErasureResult = z.infer<typeof ErasureResult>;

const activity = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });
const Scrubbed = z.object({ scrubbed: z.number().int().min(0) });

/** One page of a customer's purchase records, by id: `after` is the last id of the page before. */
const CustomerPage = z.object({ customerId: Id, after: Id.optional() }).strict();
/** The next page's `after`, when there is one. */
const Next = Id.optional();

/** The erasure's activities, each on its owner's task queue. */
export const erasureContracts = {
  store: {
    taskQueue: activityTaskQueues.store,
    activities: {
      /**
       * The customer's purchases, a page of records at a time; the first page also names every in-flight slot whose
       * record is not written yet.
       */
      findCustomerPurchases: activity(CustomerPage, z.object({ purchases: z.array(CustomerPurchase), next: Next })),
      /** Replaces the address in a page of the customer's purchase records; amounts, statuses, SKUs and dates stay. */
      scrubPurchaseRecords: activity(CustomerPage, Scrubbed.extend({ next: Next })),
      /** Ends every session, replaces email, name and password hash. The row stays: the books' records point at it. */
      scrubAccount: activity(ErasureInput, z.object({ scrubbed: z.boolean(), sessionsEnded: z.number().int().min(0) })),
    },
  },
  carrier: {
    taskQueue: activityTaskQueues.carrier,
    activities: {
      /** Removes the address from the deliveries of these purchases; status, dates and country stay. */
      scrubDeliveries: activity(z.object({ purchaseIds: Batch }).strict(), Scrubbed),
    },
  },
  histories: {
    // Temporal's side: the orchestrator holds a connection to the cluster.
    taskQueue: taskQueues.purchases,
    activities: {
      /** Returns once each of these workflows is closed (or no longer exists); heartbeats while it waits. */
      awaitWorkflowsClosed: activity(z.object({ workflowIds: Batch }).strict(), z.object({ closed: z.number().int().min(0) })),
      /**
       * Deletes the closed purchase workflows of these ids and, with `byCustomer`, every other of the customer (found
       * by its CustomerId search attribute), never a running one; returns once the server no longer has them.
       */
      deletePurchaseWorkflows: activity(
        z.object({ customerId: Id, workflowIds: Batch, byCustomer: z.boolean().optional() }).strict(),
        z.object({ deleted: z.number().int().min(0), stillRunning: z.array(Id) }),
      ),
    },
  },
} as const;

export type ErasureStoreActivities = ActivitiesOf<typeof erasureContracts.store.activities>;
export type ErasureCarrierActivities = ActivitiesOf<typeof erasureContracts.carrier.activities>;
export type ErasureHistoryActivities = ActivitiesOf<typeof erasureContracts.histories.activities>;

export const erasureStatuses = ['RUNNING', 'COMPLETED', 'FAILED'] as const;

/** The erasure as the gateway shows it: `DELETE /auth/me` and `DELETE /users/:id` answer it, `GET /erasures/:id` reads it. */
export const Erasure = z
  .object({
    id: z.string().describe('The erasure workflow’s id, `erasure-<userId>`: find it in the Web UI or the CLI'),
    userId: z.string(),
    status: z.enum(erasureStatuses),
    result: ErasureResult.optional().describe('What was erased where, once COMPLETED'),
  })
  .meta({ id: 'Erasure' });
export type Erasure = z.infer<typeof Erasure>;
