import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { CarrierActivities, StoreActivities, SupplierActivities } from '../contracts/activities';
import { businessRefusalCodes, type BusinessRefusalCode } from '../contracts/error-codes';
import { activityTimeouts, type ActivityOwner } from '../contracts/timeouts';
import type { Purchase, PurchaseFailure, PurchaseStatus } from '../contracts/purchase';
import {
  activityTaskQueues,
  cancelInputProblems,
  cancelSignal,
  type CancelSignalInput,
  confirmSignal,
  maxCancelReasonLength,
  purchaseRecordedUpdate,
  requestCancellationUpdate,
  searchAttributes,
  statusQuery,
} from '../contracts/temporal';
import type { PurchaseWorkflowInput } from '../contracts/workflow-input';
import { assertTransition, isFinal, receivedPurchase } from '../domain/purchase-state';
import { msToNumber } from '@temporalio/common/lib/time';

/**
 * Workflow changes guarded by `patched()`: histories recorded before a change replay its old path (see README,
 * "Changing the workflow"). Each id names what new runs do.
 */
export const workflowPatches = {
  /** The store's record writes run as local activities on the orchestrator, which owns that database. */
  storeWritesAsLocalActivities: 'store-writes-as-local-activities',
  /** A cancellation window of 0 starts no timer: the saga confirms in the same workflow task. */
  noTimerForEmptyCancelWindow: 'no-timer-for-empty-cancel-window',
} as const;

/**
 * The purchase saga: reserve stock, schedule the delivery, hold for the cancellation window, confirm.
 * A business refusal fails it; a cancel compensates it. Infrastructure faults are Temporal's to retry: every
 * activity retries with backoff and no attempt limit, so a fault delays a purchase and never fails it.
 */
export async function purchase(input: PurchaseWorkflowInput): Promise<Purchase> {
  const { supplier, carrier, store, storeLocal } = activitiesFor(input);
  const purchaseId = input.purchaseId;
  // A record write is one short transaction on the orchestrator's own database: as a local activity it runs inside
  // the workflow task, with no activity task round trip through the server and no history events of its own but a marker.
  const recordPurchase = patched(workflowPatches.storeWritesAsLocalActivities)
    ? storeLocal.recordPurchase
    : store.recordPurchase;

  const state: Purchase = receivedPurchase(input);
  let version = 0;
  let cancellation: CancelSignalInput | undefined;
  let confirmRequested = false;
  // Set once confirmation starts: from then on a cancel is ignored (signal) or refused (update).
  let committed = false;

  // The forward steps run in their own scope so that a cancel can interrupt an activity in flight;
  // the compensations then run outside it and undo whatever that activity may have done.
  const forward = new CancellationScope();
  const cancellable = () => !committed && !isFinal(state.status) && state.status !== 'COMPENSATING';
  const requestCancel = (request: CancelSignalInput = {}) => {
    if (cancellation) return;
    cancellation = request;
    forward.cancel();
  };

  setHandler(statusQuery, () => state);
  // Purchases started with update-with-start (by earlier gateways) carry this update, which answered once the record
  // existed; the handler stays so that their histories replay. Today's gateway starts the saga and answers at once.
  let recorded = false;
  setHandler(purchaseRecordedUpdate, async () => {
    await condition(() => recorded);
    return state;
  });
  setHandler(confirmSignal, () => {
    confirmRequested = true;
  });
  setHandler(cancelSignal, (request) => {
    // A signal cannot be refused (the sender is gone by now): a malformed one is logged and ignored, never stored.
    const problems = cancelInputProblems(request);
    if (problems.length > 0) {
      log.warn(`Cancel signal ignored: its input is not {"reason"?: string of at most ${maxCancelReasonLength} characters}`, { problems });
      return;
    }
    if (cancellable() || cancellation) requestCancel(reasonOf(request));
    else log.info('Cancel ignored: the purchase can no longer be cancelled', { status: state.status });
  });
  setHandler(
    requestCancellationUpdate,
    async (request: CancelSignalInput) => {
      requestCancel(reasonOf(request));
      await condition(() => state.status === 'COMPENSATING' || isFinal(state.status));
      return state;
    },
    {
      validator: (request: CancelSignalInput) => {
        // Refused before it enters the history: the update's caller hears why.
        const problems = cancelInputProblems(request);
        if (problems.length > 0) {
          throw ApplicationFailure.nonRetryable(`Invalid cancel input: ${problems.join('; ')}`, 'VALIDATION_FAILED');
        }
        if (!cancellable() && !cancellation) {
          throw ApplicationFailure.nonRetryable(
            `Purchase ${purchaseId} is ${committed ? 'confirmed' : state.status} and can no longer be cancelled`,
            'NOT_CANCELLABLE',
          );
        }
      },
    },
  );

  const moveTo = async (status: PurchaseStatus, note?: string) => {
    assertTransition(state.status, status);
    const at = new Date().toISOString();
    state.status = status;
    state.updatedAt = at;
    state.history.push(note ? { status, at, note } : { status, at });
    version += 1;
    upsertSearchAttributes([{ key: searchAttributes.purchaseStatus, value: status }]);
    upsertMemo({ status, summary: summaryOf(state) });
    setCurrentDetails(detailsOf(state));
    await recordPurchase.executeWithOptions({ summary: `Record ${status} in the store's database` }, [
      { purchase: state, version },
    ]);
  };

  /**
   * Compensates after a failure that is neither a business refusal nor a cancel, and ends FAILED with code INTERNAL.
   * The record may be what failed (PURCHASE_RECORD_MISSING): recording is attempted, never allowed to stop the undo.
   */
  const failInternally = async (error: unknown) => {
    const reason = describeFailure(error);
    log.error('Purchase failed for a reason that is not a business refusal; compensating', { reason });
    const failure: PurchaseFailure = {
      code: 'INTERNAL',
      message: `The purchase could not be completed and was undone (${reason}); operators: see the workflow history`,
    };
    const record = async (status: PurchaseStatus, note: string) => {
      try {
        await moveTo(status, note);
      } catch (recordError) {
        log.error(`Could not record ${status}`, { reason: describeFailure(recordError) });
      }
    };
    if (state.status !== 'RECEIVED' || compensations.length > 0) {
      if (state.status !== 'COMPENSATING') await record('COMPENSATING', failure.message);
      await compensate(compensations);
    }
    state.failure = failure;
    await record('FAILED', failure.message);
  };

  // Registered before each step runs: a cancel may interrupt the step after its side effect happened.
  // Every compensation is safe when its step never ran (the owner leaves a tombstone).
  const compensations: { name: string; run: () => Promise<void> }[] = [];

  // The saga is the record's only writer and creates it before any step: no record without a saga (the gateway
  // writes none, so a failed start leaves nothing behind) and no saga without a record.
  await CancellationScope.nonCancellable(() =>
    recordPurchase.executeWithOptions({ summary: "Create the purchase in the store's database" }, [
      { purchase: state, version, ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}) },
    ]),
  );
  recorded = true;

  try {
    if (input.refusal) throw new BusinessRefusal(input.refusal);
    await forward.run(async () => {
      compensations.unshift({
        name: 'release the stock reservation',
        run: () =>
          supplier.releaseReservation.executeWithOptions({ summary: 'Release the reserved stock' }, [{ purchaseId }]),
      });
      state.supplier = await supplier.reserveStock.executeWithOptions(
        { summary: `Reserve ${describeItems(state)}` },
        [{ purchaseId, items: input.items.map(({ sku, quantity }) => ({ sku, quantity })) }],
      );
      await moveTo('ORDER_REQUESTED');

      compensations.unshift({
        name: 'cancel the delivery',
        run: async () => {
          await carrier.cancelDelivery.executeWithOptions({ summary: 'Cancel the delivery' }, [{ purchaseId }]);
          if (state.delivery) state.delivery = { ...state.delivery, status: 'CANCELLED' };
        },
      });
      state.delivery = await carrier.scheduleDelivery.executeWithOptions(
        { summary: `Schedule a delivery to ${input.address.city}, ${input.address.country}` },
        [{ purchaseId, address: input.address }],
      );
      await moveTo('RESERVE_DELIVERED');

      // The durable cancellation window: a timer in Temporal's history, so it survives worker restarts.
      if (msToNumber(input.settings.cancelWindow) > 0 || !patched(workflowPatches.noTimerForEmptyCancelWindow)) {
        await condition(() => confirmRequested, input.settings.cancelWindow);
      }
    });
  } catch (error) {
    const refusal = asBusinessRefusal(error);
    if (!refusal && !isCancellation(error)) {
      // Neither a refusal nor a cancel: a bug or a corrupt record. Undo what was done all the same, then fail.
      await CancellationScope.nonCancellable(() => failInternally(error));
      return state;
    }
    if (refusal && state.status === 'RECEIVED' && !cancellation) {
      // Nothing was done yet: a refusal at the first step leaves nothing to undo.
      state.failure = refusal;
      await CancellationScope.nonCancellable(() => moveTo('FAILED', refusal.message));
      return state;
    }
    const failure: PurchaseFailure =
      refusal && !cancellation
        ? refusal
        : { code: 'CANCELLED', message: cancellation?.reason ?? 'Cancelled on request' };
    await CancellationScope.nonCancellable(async () => {
      await moveTo('COMPENSATING', failure.message);
      await compensate(compensations);
      state.failure = failure;
      await moveTo(failure.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED', failure.message);
    });
    return state;
  }

  committed = true;
  await CancellationScope.nonCancellable(async () => {
    try {
      await supplier.confirmSale.executeWithOptions({ summary: 'Turn the reservation into a sale' }, [{ purchaseId }]);
      state.delivery = await carrier.dispatchDelivery.executeWithOptions({ summary: 'Dispatch the parcel' }, [
        { purchaseId },
      ]);
      await moveTo('COMPLETED');
    } catch (error) {
      // Infrastructure faults are retried without limit, so only a non-retryable failure gets here.
      await failInternally(error);
    }
  });
  return state;
}

function activitiesFor(input: PurchaseWorkflowInput) {
  const retry: ActivityOptions['retry'] = {
    initialInterval: input.settings.retryInitialInterval,
    maximumInterval: input.settings.retryMaximumInterval,
    backoffCoefficient: 2,
    nonRetryableErrorTypes: [...businessRefusalCodes],
  };
  // Each owner's timeouts come from contracts/timeouts.ts: start-to-close outlasts its longest database wait, the
  // heartbeat timeout notices a dead worker. Its activities go to the task queue its contract names.
  const optionsOf = (owner: ActivityOwner): ActivityOptions => ({
    startToCloseTimeout: activityTimeouts[owner].startToCloseMs,
    heartbeatTimeout: activityTimeouts[owner].heartbeatTimeoutMs,
    retry,
    taskQueue: activityTaskQueues[owner],
  });
  return {
    supplier: proxyActivities<SupplierActivities>(optionsOf('supplier')),
    carrier: proxyActivities<CarrierActivities>(optionsOf('carrier')),
    store: proxyActivities<StoreActivities>(optionsOf('store')),
    // The same writes as local activities of the orchestrator, the worker that runs this workflow.
    storeLocal: proxyLocalActivities<StoreActivities>({ startToCloseTimeout: activityTimeouts.store.startToCloseMs, retry }),
  };
}

/** Runs the compensations in reverse order of the steps. Each retries until done; a bug is logged, not hidden. */
async function compensate(compensations: { name: string; run: () => Promise<void> }[]) {
  for (const compensation of compensations) {
    try {
      await compensation.run();
    } catch (error) {
      log.error(`Compensation failed: ${compensation.name}`, { error: String(error) });
    }
  }
}

class BusinessRefusal extends Error {
  constructor(readonly failure: PurchaseFailure) {
    super(failure.message);
  }
}

/** A refusal made on business grounds by an owner's activity (or by pricing), with its contract code. */
function asBusinessRefusal(error: unknown): PurchaseFailure | undefined {
  if (error instanceof BusinessRefusal) return error.failure;
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
    const code = error.cause.type;
    if (code && (businessRefusalCodes as readonly string[]).includes(code)) {
      return { code: code as BusinessRefusalCode, message: error.cause.message };
    }
  }
  return undefined;
}

function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
    return `${error.activityType ?? 'an activity'} failed with ${error.cause.type ?? 'an error'}: ${error.cause.message}`;
  }
  if (error instanceof ActivityFailure) return `${error.activityType ?? 'an activity'} failed: ${error.cause?.message ?? error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The reason alone of a cancel's input that `cancelInputProblems` accepted: nothing else of it is kept. */
function reasonOf(request: CancelSignalInput | undefined): CancelSignalInput {
  return request?.reason === undefined ? {} : { reason: request.reason };
}

function describeItems(state: Purchase): string {
  return state.items.map((item) => `${item.quantity} × ${item.sku}`).join(', ');
}

function summaryOf(state: Purchase): string {
  return `${describeItems(state)} for ${(state.totalCents / 100).toFixed(2)}, ${state.status}`;
}

function detailsOf(state: Purchase): string {
  const lines = [`**${state.status}**: ${describeItems(state)}, total ${(state.totalCents / 100).toFixed(2)}`];
  if (state.supplier) lines.push(`Supplier order ${state.supplier.orderId} (${state.supplier.name})`);
  if (state.delivery) {
    lines.push(`Delivery ${state.delivery.status} by ${state.delivery.carrier}, tracking ${state.delivery.trackingNumber}`);
  }
  if (state.failure) lines.push(`Failure ${state.failure.code}: ${state.failure.message}`);
  return lines.join('\n\n');
}
