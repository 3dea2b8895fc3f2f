import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { CarrierActivities, SupplierActivities } from '../contracts/activities';
import { businessRefusalCodes, type BusinessRefusalCode } from '../contracts/error-codes';
import { activityTimeouts, type ActivityOwner } from '../contracts/timeouts';
import type { Purchase, PurchaseFailure, PurchaseStatus } from '../contracts/purchase';
import { describeItems, purchaseMemo } from '../contracts/purchase-memo';
import {
  activityTaskQueues,
  cancelInputProblems,
  cancelSignal,
  type CancelSignalInput,
  confirmSignal,
  maxCancelReasonLength,
  requestCancellationUpdate,
  searchAttributes,
  statusQuery,
} from '../contracts/temporal';
import type { PurchaseWorkflowInput } from '../contracts/workflow-input';
import { assertTransition, isFinal, receivedPurchase } from '../domain/purchase-state';
import {
  answerPurchaseRecorded,
  cancelWindowNeedsTimer,
  recordFailureEndsPurchase,
  recordPurchaseActivity,
} from './earlier-revisions';

/**
 * The purchase saga, step by step as the state diagram draws it (CONTRACT.md, "The purchase saga"): reserve stock,
 * schedule the delivery, hold for the cancellation window, confirm. A business refusal fails it; a cancel compensates
 * it. Infrastructure faults are Temporal's to retry: every activity retries with backoff and no attempt limit, so a
 * fault delays a purchase and never fails it. What runs only for histories of earlier revisions is in
 * ./earlier-revisions.
 */
export async function purchase(input: PurchaseWorkflowInput): Promise<Purchase> {
  const { purchaseId } = input;
  const options = activityOptions(input);
  // Called before the saga makes any command, where its patch marker has always been.
  const recordPurchase = recordPurchaseActivity(options('store'));
  const supplier = proxyActivities<SupplierActivities>(options('supplier'));
  const carrier = proxyActivities<CarrierActivities>(options('carrier'));

  const state = receivedPurchase(input);
  const record = purchaseRecord(state, recordPurchase);
  // Registered before each step runs: a cancel may interrupt the step after its side effect happened. Every
  // compensation is safe when its step never ran (the owner leaves a tombstone).
  const compensations: Compensation[] = [];
  const saga: Saga = { state, compensations, moveTo: record.moveTo };
  // The forward steps run in their own scope so that a cancel can interrupt an activity in flight;
  // the compensations then run outside it and undo whatever that activity may have done.
  const forward = new CancellationScope();
  const requests: Requests = { confirmRequested: false, committed: false };

  setHandler(statusQuery, () => state);
  answerPurchaseRecorded(state, record.created);
  handleRequests(state, requests, forward);

  // RECEIVED: the record exists before any step (who writes it: activities/store/activities.ts). Infrastructure
  // faults are retried without limit, so only a failure for good (a constraint, its user row missing) gets past it.
  try {
    await CancellationScope.nonCancellable(() => record.create(input.idempotencyKey));
  } catch (error) {
    if (!recordFailureEndsPurchase()) throw error;
    await CancellationScope.nonCancellable(() => failInternally(saga, error));
    return state;
  }

  try {
    if (input.refusal) throw new BusinessRefusal(input.refusal);
    await forward.run(async () => {
      // RECEIVED ──reserve stock (supplier)──▶ ORDER_REQUESTED
      compensations.unshift({
        name: 'release the stock reservation',
        run: () =>
          supplier.releaseReservation.executeWithOptions({ summary: 'Release the reserved stock' }, [{ purchaseId }]),
      });
      state.supplier = await supplier.reserveStock.executeWithOptions(
        { summary: `Reserve ${describeItems(state.items)}` },
        [{ purchaseId, items: input.items.map(({ sku, quantity }) => ({ sku, quantity })) }],
      );
      await record.moveTo('ORDER_REQUESTED');

      // ORDER_REQUESTED ──schedule delivery (carrier)──▶ RESERVE_DELIVERED
      compensations.unshift({
        name: 'cancel the delivery',
        run: async () => {
          await carrier.cancelDelivery.executeWithOptions({ summary: 'Cancel the delivery' }, [{ purchaseId }]);
          if (state.delivery) state.delivery = { ...state.delivery, status: 'CANCELLED' };
        },
      });
      state.delivery = await carrier.scheduleDelivery.executeWithOptions(
        { summary: `Schedule the delivery of ${describeItems(state.items)}` },
        [{ purchaseId, address: input.address }],
      );
      await record.moveTo('RESERVE_DELIVERED');

      // The durable cancellation window: a timer in Temporal's history, so it survives worker restarts.
      if (cancelWindowNeedsTimer(input.settings.cancelWindow)) {
        await condition(() => requests.confirmRequested, input.settings.cancelWindow);
      }
    });
  } catch (error) {
    // ── business failure ──▶ FAILED, or ── failure or cancel ──▶ COMPENSATING ──▶ FAILED | CANCELLED
    await CancellationScope.nonCancellable(() => endInterrupted(saga, error, requests.cancellation));
    return state;
  }

  // RESERVE_DELIVERED ──confirm──▶ COMPLETED. From here on a cancel is ignored (signal) or refused (update).
  requests.committed = true;
  await CancellationScope.nonCancellable(async () => {
    try {
      await supplier.confirmSale.executeWithOptions({ summary: 'Turn the reservation into a sale' }, [{ purchaseId }]);
      state.delivery = await carrier.dispatchDelivery.executeWithOptions({ summary: 'Dispatch the parcel' }, [
        { purchaseId },
      ]);
      await record.moveTo('COMPLETED');
    } catch (error) {
      // Infrastructure faults are retried without limit, so only a non-retryable failure gets here.
      await failInternally(saga, error);
    }
  });
  return state;
}

interface Compensation {
  name: string;
  run: () => Promise<void>;
}

/** What the endings share: the purchase as the workflow sees it, what to undo, and the one way to change status. */
interface Saga {
  state: Purchase;
  /** Newest first: they run in reverse order of the steps. */
  compensations: Compensation[];
  moveTo: (status: PurchaseStatus, note?: string) => Promise<void>;
}

/** What the signals and the update ask of the saga. */
interface Requests {
  cancellation?: CancelSignalInput;
  confirmRequested: boolean;
  /** Set once confirmation starts: from then on a cancel is ignored (signal) or refused (update). */
  committed: boolean;
}

/** Each owner's activity options, from contracts/timeouts.ts and its task queue in contracts/temporal.ts. */
function activityOptions(input: PurchaseWorkflowInput): (owner: ActivityOwner) => ActivityOptions {
  const retry: ActivityOptions['retry'] = {
    initialInterval: input.settings.retryInitialInterval,
    maximumInterval: input.settings.retryMaximumInterval,
    backoffCoefficient: 2,
    nonRetryableErrorTypes: [...businessRefusalCodes],
  };
  // Start-to-close outlasts the owner's longest database wait; the heartbeat timeout notices a dead worker.
  return (owner) => ({
    startToCloseTimeout: activityTimeouts[owner].startToCloseMs,
    heartbeatTimeout: activityTimeouts[owner].heartbeatTimeoutMs,
    retry,
    taskQueue: activityTaskQueues[owner],
  });
}

/**
 * The purchase record in the store's database, kept in step with the workflow: created once, then written at each
 * transition with a version that grows by one, together with the search attribute, the memo and the Web UI's details.
 */
function purchaseRecord(state: Purchase, recordPurchase: ReturnType<typeof recordPurchaseActivity>) {
  let version = 0;
  let created = false;
  return {
    created: () => created,
    async create(idempotencyKey: string | undefined) {
      await recordPurchase.executeWithOptions({ summary: "Create the purchase in the store's database" }, [
        { purchase: state, version, ...(idempotencyKey ? { idempotencyKey } : {}) },
      ]);
      created = true;
    },
    async moveTo(status: PurchaseStatus, note?: string) {
      assertTransition(state.status, status);
      const at = new Date().toISOString();
      state.status = status;
      state.updatedAt = at;
      state.history.push(note ? { status, at, note } : { status, at });
      version += 1;
      upsertSearchAttributes([{ key: searchAttributes.purchaseStatus, value: status }]);
      upsertMemo(purchaseMemo(state));
      setCurrentDetails(detailsOf(state));
      await recordPurchase.executeWithOptions({ summary: `Record ${status} in the store's database` }, [
        { purchase: state, version },
      ]);
    },
  };
}

/** The confirm signal, and a cancel by signal (anyone's, the CLI's too) or by update (the gateway's, which answers). */
function handleRequests(state: Purchase, requests: Requests, forward: CancellationScope): void {
  const cancellable = () => !requests.committed && !isFinal(state.status) && state.status !== 'COMPENSATING';
  const requestCancel = (request: CancelSignalInput = {}) => {
    if (requests.cancellation) return;
    requests.cancellation = request;
    forward.cancel();
  };
  setHandler(confirmSignal, () => {
    requests.confirmRequested = true;
  });
  setHandler(cancelSignal, (request) => {
    // A signal cannot be refused (the sender is gone by now): a malformed one is logged and ignored, never stored.
    const problems = cancelInputProblems(request);
    if (problems.length > 0) {
      log.warn(`Cancel signal ignored: its input is not {"reason"?: string of at most ${maxCancelReasonLength} characters}`, { problems });
      return;
    }
    if (cancellable() || requests.cancellation) requestCancel(reasonOf(request));
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
        if (!cancellable() && !requests.cancellation) {
          throw ApplicationFailure.nonRetryable(
            `Purchase ${state.id} is ${requests.committed ? 'confirmed' : state.status} and can no longer be cancelled`,
            'NOT_CANCELLABLE',
          );
        }
      },
    },
  );
}

/** Ends a saga whose forward steps were interrupted: by a business refusal, a cancel, or anything else. */
async function endInterrupted(saga: Saga, error: unknown, cancellation: CancelSignalInput | undefined): Promise<void> {
  const { state } = saga;
  const refusal = asBusinessRefusal(error);
  if (!refusal && !isCancellation(error)) {
    // Neither a refusal nor a cancel: a bug or a corrupt record. Undo what was done all the same, then fail.
    await failInternally(saga, error);
    return;
  }
  if (refusal && state.status === 'RECEIVED' && !cancellation) {
    // Nothing was done yet: a refusal at the first step leaves nothing to undo.
    state.failure = refusal;
    await recordEnd(saga, 'FAILED', refusal.message);
    return;
  }
  const failure: PurchaseFailure =
    refusal && !cancellation ? refusal : { code: 'CANCELLED', message: cancellation?.reason ?? 'Cancelled on request' };
  try {
    await saga.moveTo('COMPENSATING', failure.message);
  } catch (recordError) {
    // The record cannot be written for good (infrastructure faults are retried): undo all the same, and end INTERNAL.
    if (!recordFailureEndsPurchase()) throw recordError;
    await failInternally(saga, recordError);
    return;
  }
  await compensate(saga.compensations);
  state.failure = failure;
  await recordEnd(saga, failure.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED', failure.message);
}

/** Records a final status. The purchase has ended either way: a record that cannot be written is logged. */
async function recordEnd(saga: Saga, status: PurchaseStatus, note: string): Promise<void> {
  try {
    await saga.moveTo(status, note);
  } catch (recordError) {
    if (!recordFailureEndsPurchase()) throw recordError;
    log.error(`Could not record ${status}`, { reason: describeFailure(recordError) });
  }
}

/**
 * Compensates after a failure that is neither a business refusal nor a cancel, and ends FAILED with code INTERNAL.
 * The record may be what failed (PURCHASE_RECORD_MISSING): recording is attempted, never allowed to stop the undo.
 */
async function failInternally({ state, compensations, moveTo }: Saga, error: unknown): Promise<void> {
  log.error('Purchase failed for a reason that is not a business refusal; compensating', { reason: describeFailure(error) });
  // The customer, the record and the Web UI's details get what failed and its type, never its message: a driver's or a
  // bug's message may quote a database's internals or someone's personal data, which the record would keep and answer.
  const failure: PurchaseFailure = {
    code: 'INTERNAL',
    message: `The purchase could not be completed and was undone (${kindOfFailure(error)}); operators: see the workflow history`,
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
}

/** Runs the compensations in reverse order of the steps. Each retries until done; a bug is logged, not hidden. */
async function compensate(compensations: Compensation[]) {
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

/** What failed and the type of its failure, without its message: `scheduleDelivery failed with LABEL_PRINTER_ERROR`. */
function kindOfFailure(error: unknown): string {
  if (error instanceof ActivityFailure) {
    const type = error.cause instanceof ApplicationFailure ? error.cause.type : error.cause?.name;
    return `${error.activityType ?? 'an activity'} failed with ${type ?? 'an error'}`;
  }
  if (error instanceof ApplicationFailure) return error.type ?? error.name;
  return error instanceof Error ? error.name : 'an error';
}

/** The failure in full, for the orchestrator's log: its kind, then the message of what failed. */
function describeFailure(error: unknown): string {
  const failed = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  return `${kindOfFailure(error)}: ${failed instanceof Error ? failed.message : String(error)}`;
}

/** The reason alone of a cancel's input that `cancelInputProblems` accepted: nothing else of it is kept. */
function reasonOf(request: CancelSignalInput | undefined): CancelSignalInput {
  return request?.reason === undefined ? {} : { reason: request.reason };
}

function detailsOf(state: Purchase): string {
  const lines = [`**${state.status}**: ${describeItems(state.items)}, total ${(state.totalCents / 100).toFixed(2)}`];
  if (state.supplier) lines.push(`Supplier order ${state.supplier.orderId} (${state.supplier.name})`);
  if (state.delivery) {
    lines.push(`Delivery ${state.delivery.status} by ${state.delivery.carrier}, tracking ${state.delivery.trackingNumber}`);
  }
  if (state.failure) lines.push(`Failure ${state.failure.code}: ${state.failure.message}`);
  return lines.join('\n\n');
}
