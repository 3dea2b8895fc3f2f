import {
  ApplicationFailure,
  type Client,
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { User } from '../../contracts/auth';
import { CodedError } from '../../contracts/errors';
import type { Purchase, PurchaseRequest, PurchaseStatus } from '../../contracts/purchase';
import {
  purchaseWorkflowId,
  purchaseWorkflowType,
  requestCancellationUpdate,
  searchAttributes,
  taskQueues,
} from '../../contracts/temporal';
import { PurchaseWorkflowInput, type SagaSettings } from '../../contracts/workflow-input';
import { quotePurchase } from '../../domain/pricing';
import { isFinal, receivedPurchase } from '../../domain/purchase-state';
import type { StoreDb } from '../../prisma/clients';
import { rethrowTemporalUnavailable } from '../temporal-errors';
import { mayBelongTo, newPurchaseId, purchaseIdFor } from './ids';
import { purchaseFromRow } from './resource';

export interface PurchaseServiceDeps {
  store: StoreDb;
  temporal: Client;
  /** A function is asked at each new purchase: the live PURCHASE_CANCEL_WINDOW goes into that saga's input. */
  settings: SagaSettings | (() => SagaSettings);
  /** How long a call to Temporal may take before the gateway answers 503 instead of hanging. */
  temporalTimeoutMs: number;
}

export interface PurchaseService {
  create(user: User, request: PurchaseRequest, idempotencyKey?: string): Promise<Purchase>;
  list(user: User, filter?: { status?: PurchaseStatus; limit?: number }): Promise<Purchase[]>;
  /** With `waitMs`, answers as soon as the purchase is final, or with its state when the time is up. */
  get(user: User, purchaseId: string, options?: { waitMs?: number; signal?: AbortSignal }): Promise<Purchase>;
  cancel(user: User, purchaseId: string, reason?: string): Promise<Purchase>;
}

/** What makes two requests the same purchase: the items asked for, the address and the voucher; never the prices. */
function requestFingerprint(request: Pick<PurchaseRequest, 'items' | 'address'> & { voucherCode?: string | null }) {
  const address = request.address as Record<string, unknown>;
  return JSON.stringify({
    items: request.items.map((item) => [item.sku, item.quantity]),
    address: Object.keys(address).sort().map((key) => [key, address[key]]),
    voucher: request.voucherCode ?? null,
  });
}

/**
 * A key reused with another body is a client bug, and answering with the first purchase would hide it: 422, as the
 * IETF Idempotency-Key draft says, and nothing starts.
 */
function sameRequestOrRefuse(stored: Purchase, request: PurchaseRequest): Purchase {
  const before = requestFingerprint({ items: stored.items, address: stored.address, voucherCode: stored.voucher?.code });
  const now = requestFingerprint({ items: request.items, address: request.address, voucherCode: request.voucher?.code });
  if (before !== now) {
    throw new CodedError(
      'IDEMPOTENCY_KEY_MISMATCH',
      'This Idempotency-Key was used for a purchase with a different body; use a new key for a new purchase',
      [{ path: 'Idempotency-Key', message: `already used for purchase ${stored.id}` }],
    );
  }
  return stored;
}

/** The store keeps amounts in 32-bit integer columns (Prisma `Int`, on every engine): a larger total is refused. */
const maxTotalCents = 2 ** 31 - 1;
/** gRPC's NOT_FOUND: Temporal has no workflow of that id. */
const grpcNotFound = 5;
/** How far past a wait's end its long poll's gRPC deadline lies (Temporal answers a poll closer to its deadline at once). */
const longPollGraceMs = 2_000;
/** Only while Temporal cannot be asked: how often a wait re-reads the record instead. */
const waitPollMs = 200;

// The contract declares the update's argument optional; the client's overloads want a required one. Same wire format.
export function createPurchaseService(deps: PurchaseServiceDeps): PurchaseService {
  const { store, temporal, settings, temporalTimeoutMs } = deps;
  const withinDeadline = <T>(call: () => Promise<T>) => temporal.withDeadline(Date.now() + temporalTimeoutMs, call);

  const catalogPrices = async (skus: string[]) => {
    const products = await store.product.findMany({ where: { sku: { in: skus } }, select: { sku: true, priceCents: true } });
    return new Map(products.map((product) => [product.sku, product.priceCents]));
  };

  /**
   * The purchase a key already made, in one query: by the id the key names, or by the key itself (a purchase made before
   * ids were derived from keys).
   */
  const findByKey = (userId: string, purchaseId: string, idempotencyKey: string) =>
    store.purchase.findFirst({ where: { OR: [{ id: purchaseId }, { userId, idempotencyKey }] } });

  /** The saga's input, priced from the catalog (never from the client); a refusal found here fails the saga at once. */
  const workflowInputFor = async (
    purchaseId: string,
    user: User,
    request: PurchaseRequest,
    idempotencyKey: string | undefined,
  ): Promise<PurchaseWorkflowInput> => {
    const quote = quotePurchase(await catalogPrices(request.items.map((item) => item.sku)), request.items, request.voucher);
    if (quote.subtotalCents > maxTotalCents) {
      throw new CodedError('VALIDATION_FAILED', 'The purchase is too large', [
        { path: 'items', message: `the total may be at most ${(maxTotalCents / 100).toFixed(2)}; split the purchase` },
      ]);
    }
    return {
      purchaseId,
      customerId: user.id,
      items: quote.items,
      address: request.address,
      ...(request.voucher ? { voucher: request.voucher } : {}),
      totalCents: quote.totalCents,
      discountCents: quote.discountCents,
      ...(quote.refusal ? { refusal: quote.refusal } : {}),
      createdAt: new Date().toISOString(),
      settings: typeof settings === 'function' ? settings() : settings,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
  };

  /**
   * Starts the saga and answers once Temporal has stored the start, as a bare `workflow.start` does: the purchase is
   * then durable, and its saga writes the record in its first workflow task. The gateway writes no record of its own,
   * so nothing has to be undone when a start fails or its answer is lost. A workflow of this id that exists already,
   * running or closed, is refused by Temporal (conflict policy FAIL, reuse policy REJECT_DUPLICATE): the caller then
   * answers with that purchase. Waiting for the record instead (update-with-start) would put the 202 behind the
   * orchestrator's queue of every purchase in flight.
   */
  const start = async (input: PurchaseWorkflowInput): Promise<Purchase> => {
    const description = input.items.map((item) => `${item.quantity} × ${item.sku}`).join(', ');
    await withinDeadline(() =>
      temporal.workflow.start(purchaseWorkflowType, {
        taskQueue: taskQueues.purchases,
        workflowId: purchaseWorkflowId(input.purchaseId),
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
        typedSearchAttributes: [
          { key: searchAttributes.customerId, value: input.customerId },
          { key: searchAttributes.purchaseStatus, value: 'RECEIVED' },
        ],
        memo: { status: 'RECEIVED', summary: `${description} for ${(input.totalCents / 100).toFixed(2)}, RECEIVED` },
        staticSummary: `Purchase of ${description}`,
      }),
    );
    return receivedPurchase(input);
  };

  /**
   * A purchase whose saga Temporal has but which has no record yet (its first workflow task has not run): as its
   * start event's input says, RECEIVED. Undefined when Temporal has no such workflow.
   */
  const startedPurchase = async (purchaseId: string): Promise<Purchase | undefined> => {
    try {
      const { history } = await withinDeadline(() =>
        temporal.workflowService.getWorkflowExecutionHistory({
          namespace: temporal.options.namespace,
          execution: { workflowId: purchaseWorkflowId(purchaseId) },
          maximumPageSize: 1,
        }),
      );
      const payload = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (!payload) return undefined;
      return receivedPurchase(PurchaseWorkflowInput.parse(temporal.options.loadedDataConverter.payloadConverter.fromPayload(payload)));
    } catch (error) {
      if (isGrpcServiceError(error) && error.code === grpcNotFound) return undefined;
      return rethrowTemporalUnavailable(error);
    }
  };

  /**
   * Resolves when the saga ends (its workflow closes: one long poll on its history, no loop here), when `waitMs` is
   * up, or when the caller goes away. The saga writes its final record before it ends, so the record read after is
   * final. Should Temporal not answer, the wait falls back to re-reading the record until the time is up.
   */
  const untilSagaEnds = async (purchaseId: string, waitMs: number, signal?: AbortSignal): Promise<'ended' | 'not-found' | 'waited'> => {
    const deadline = Date.now() + waitMs;
    const stop = signal ? AbortSignal.any([signal, AbortSignal.timeout(waitMs)]) : AbortSignal.timeout(waitMs);
    const stopped = new Promise<'waited'>((resolve) => stop.addEventListener('abort', () => resolve('waited'), { once: true }));
    // The abort ends the long poll when the wait is up. Its gRPC deadline lies beyond that, by more than the server
    // keeps back for itself: a poll due to end sooner is answered at once, empty, and the client would ask again and
    // again. The deadline still bounds the client's retries (which back off without looking at the signal) when
    // Temporal cannot be reached.
    const ended = temporal
      .withDeadline(deadline + longPollGraceMs, () =>
        temporal.withAbortSignal(stop, () => temporal.workflow.getHandle(purchaseWorkflowId(purchaseId)).result()),
      )
      .then(
        () => 'ended' as const,
        // Ended badly (terminated, timed out), or Temporal could not be asked: the record says the rest.
        (error) => (error instanceof WorkflowNotFoundError ? ('not-found' as const) : ('unknown' as const)),
      );
    const outcome = await Promise.race([ended, stopped]);
    if (outcome !== 'unknown') return outcome;
    for (;;) {
      if (stop.aborted || Date.now() >= deadline) return 'waited';
      const row = await store.purchase.findUnique({ where: { id: purchaseId }, select: { status: true } });
      if (!row || isFinal(row.status as PurchaseStatus)) return 'waited';
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitPollMs, Math.max(0, deadline - Date.now()))));
    }
  };

  const visibleTo = (user: User, purchase: Purchase | undefined): purchase is Purchase =>
    purchase !== undefined && (purchase.customerId === user.id || user.role === 'ADMIN');
  // Someone else's purchase is answered like a missing one: its existence is not the caller's business.
  const notFound = (purchaseId: string) => new CodedError('NOT_FOUND', `No purchase ${purchaseId}`);
  /** Only ids that can be the caller's are asked about in Temporal (api/purchases/ids.ts). */
  const mayAskTemporal = (user: User, purchaseId: string) => user.role === 'ADMIN' || mayBelongTo(purchaseId, user.id);

  /** The record, or while the saga has not written it yet, what Temporal holds; 404 for anyone else's purchase. */
  const findVisible = async (user: User, purchaseId: string): Promise<Purchase> => {
    const row = await store.purchase.findUnique({ where: { id: purchaseId } });
    const purchase = row ? purchaseFromRow(row) : mayAskTemporal(user, purchaseId) ? await startedPurchase(purchaseId) : undefined;
    if (!visibleTo(user, purchase)) throw notFound(purchaseId);
    return purchase;
  };

  /** The record after a wait; while there is none yet, the saga's start in Temporal. */
  const afterWait = async (user: User, purchaseId: string, before?: Purchase): Promise<Purchase> => {
    const row = await store.purchase.findUnique({ where: { id: purchaseId } });
    const purchase = row ? purchaseFromRow(row) : (before ?? (await startedPurchase(purchaseId)));
    if (!visibleTo(user, purchase)) throw notFound(purchaseId);
    return purchase;
  };

  return {
    async create(user, request, idempotencyKey) {
      // One key, one purchase id: every retry of a request names the same purchase and the same workflow.
      const purchaseId = idempotencyKey ? purchaseIdFor(user.id, idempotencyKey) : newPurchaseId(user.id);
      // A new id without a key cannot have a purchase yet; a key may have made one already.
      const recorded = idempotencyKey ? await findByKey(user.id, purchaseId, idempotencyKey) : null;
      if (recorded) return sameRequestOrRefuse(purchaseFromRow(recorded), request);

      const input = await workflowInputFor(purchaseId, user, request, idempotencyKey);
      try {
        return await start(input);
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          // An earlier request with this key started the saga (its answer may have been lost): that is the purchase.
          const row = await store.purchase.findUnique({ where: { id: purchaseId } });
          const existing = row ? purchaseFromRow(row) : await startedPurchase(purchaseId);
          if (existing) return sameRequestOrRefuse(existing, request);
        }
        return rethrowTemporalUnavailable(error);
      }
    },

    async list(user, filter = {}) {
      const rows = await store.purchase.findMany({
        where: {
          ...(user.role === 'ADMIN' ? {} : { userId: user.id }),
          ...(filter.status ? { status: filter.status } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        ...(filter.limit ? { take: filter.limit } : {}),
      });
      return rows.map(purchaseFromRow);
    },

    async get(user, purchaseId, options = {}) {
      const { waitMs, signal } = options;
      const row = await store.purchase.findUnique({ where: { id: purchaseId } });
      if (row) {
        const purchase = purchaseFromRow(row);
        if (!visibleTo(user, purchase)) throw notFound(purchaseId);
        if (!waitMs || isFinal(purchase.status)) return purchase;
        await untilSagaEnds(purchaseId, waitMs, signal);
        return afterWait(user, purchaseId, purchase);
      }
      if (!waitMs) return findVisible(user, purchaseId);
      if (!mayAskTemporal(user, purchaseId)) throw notFound(purchaseId);
      // No record yet (a GET right after the 202): wait for the saga itself, then read the record it has written by
      // then, which says whose purchase it is. Temporal's copy is read only if there is still none.
      if ((await untilSagaEnds(purchaseId, waitMs, signal)) === 'not-found') throw notFound(purchaseId);
      return afterWait(user, purchaseId);
    },

    async cancel(user, purchaseId, reason) {
      const { workflowId } = await findVisible(user, purchaseId);
      const handle = temporal.workflow.getHandle(workflowId);
      try {
        // The update, unlike the signal, says whether the cancel was accepted: no race with the confirmation.
        return await withinDeadline(() =>
          handle.executeUpdate(requestCancellationUpdate, { args: [reason === undefined ? {} : { reason }] }),
        );
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === 'VALIDATION_FAILED') {
          throw new CodedError('VALIDATION_FAILED', error.cause.message);
        }
        if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
          // NOT_CANCELLABLE from the workflow's validator, or the workflow completing before the update did.
          throw new CodedError('NOT_CANCELLABLE', error.cause.message || `Purchase ${purchaseId} can no longer be cancelled`);
        }
        if (error instanceof WorkflowNotFoundError) {
          throw new CodedError('NOT_CANCELLABLE', `Purchase ${purchaseId} is finished and can no longer be cancelled`);
        }
        return rethrowTemporalUnavailable(error);
      }
    },
  };
}
