import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { User } from '../../contracts/auth';
import { CodedError } from '../../contracts/errors';
import type { Purchase, PurchaseRequest } from '../../contracts/purchase';
import type { PurchaseListQuery, PurchasePage } from '../../contracts/purchase-list';
import type { SagaSettings } from '../../contracts/workflow-input';
import { isFinal } from '../../domain/purchase-state';
import type { StoreDb } from '../../prisma/clients';
import { rethrowTemporalUnavailable } from '../temporal-errors';
import { cancelSaga } from './cancel';
import { findByKey, sameRequestOrRefuse } from './idempotency';
import { createInFlightSlots } from './in-flight';
import { mayBelongTo, newPurchaseId, purchaseIdFor } from './ids';
import { listPurchases } from './listing';
import { pricedWorkflowInput } from './pricing';
import { purchaseFromRow } from './resource';
import { startSaga } from './start';
import { startedPurchase } from './started-purchase';
import { withinDeadlineOf } from './temporal-deadline';
import { untilSagaEnds } from './wait';

/**
 * The gateway's purchases: it starts and cancels sagas in Temporal and reads the records they write. Each concern
 * has its module beside this one: the Idempotency-Key (idempotency.ts, ids.ts), pricing (pricing.ts), the start
 * (start.ts), a purchase not recorded yet (started-purchase.ts), the long poll (wait.ts), the cancel (cancel.ts) and the
 * list's pages (listing.ts).
 */
export interface PurchaseServiceDeps {
  store: StoreDb;
  temporal: Client;
  /** A function is asked at each new purchase: the live PURCHASE_CANCEL_WINDOW goes into that saga's input. */
  settings: SagaSettings | (() => SagaSettings);
  /** How long a call to Temporal may take before the gateway answers 503 instead of hanging. */
  temporalTimeoutMs: number;
  /** MAX_PURCHASES_IN_FLIGHT: a user's purchases whose sagas have not ended (in-flight.ts). */
  maxInFlightPerUser: number;
}

export interface PurchaseService {
  create(user: User, request: PurchaseRequest, idempotencyKey?: string): Promise<Purchase>;
  /** One page, newest first (listing.ts). */
  list(user: User, query: PurchaseListQuery): Promise<PurchasePage>;
  /** With `waitMs`, answers as soon as the purchase is final, or with its state when the time is up. */
  get(user: User, purchaseId: string, options?: { waitMs?: number; signal?: AbortSignal }): Promise<Purchase>;
  cancel(user: User, purchaseId: string, reason?: string): Promise<Purchase>;
}

export function createPurchaseService(deps: PurchaseServiceDeps): PurchaseService {
  const { store, temporal, settings, temporalTimeoutMs } = deps;
  const inFlight = createInFlightSlots({ store, temporal, max: () => deps.maxInFlightPerUser });
  const withinDeadline = withinDeadlineOf(temporal, temporalTimeoutMs);
  const sagaSettings = () => (typeof settings === 'function' ? settings() : settings);
  const started = (purchaseId: string) => startedPurchase(temporal, withinDeadline, purchaseId);

  const visibleTo = (user: User, purchase: Purchase | undefined): purchase is Purchase =>
    purchase !== undefined && (purchase.customerId === user.id || user.role === 'ADMIN');
  // Someone else's purchase is answered like a missing one: its existence is not the caller's business.
  const notFound = (purchaseId: string) => new CodedError('NOT_FOUND', `No purchase ${purchaseId}`);
  /** Only ids that can be the caller's are asked about in Temporal (api/purchases/ids.ts). */
  const mayAskTemporal = (user: User, purchaseId: string) => user.role === 'ADMIN' || mayBelongTo(purchaseId, user.id);

  /** The record, or while the saga has not written it yet, what Temporal holds; 404 for anyone else's purchase. */
  const findVisible = async (user: User, purchaseId: string): Promise<Purchase> => {
    const row = await store.purchase.findUnique({ where: { id: purchaseId } });
    const purchase = row ? purchaseFromRow(row) : mayAskTemporal(user, purchaseId) ? await started(purchaseId) : undefined;
    if (!visibleTo(user, purchase)) throw notFound(purchaseId);
    return purchase;
  };

  /** The record after a wait; while there is none yet, the saga's start in Temporal. */
  const afterWait = async (user: User, purchaseId: string, before?: Purchase): Promise<Purchase> => {
    const row = await store.purchase.findUnique({ where: { id: purchaseId } });
    const purchase = row ? purchaseFromRow(row) : (before ?? (await started(purchaseId)));
    if (!visibleTo(user, purchase)) throw notFound(purchaseId);
    return purchase;
  };

  return {
    async create(user, request, idempotencyKey) {
      // One key, one purchase id: every retry of a request names the same purchase and the same workflow.
      const purchaseId = idempotencyKey ? purchaseIdFor(user.id, idempotencyKey) : newPurchaseId(user.id);
      // A new id without a key cannot have a purchase yet; a key may have made one already.
      const recorded = idempotencyKey ? await findByKey(store, user.id, purchaseId, idempotencyKey) : null;
      if (recorded) return sameRequestOrRefuse(purchaseFromRow(recorded), request);

      const input = await pricedWorkflowInput(store, sagaSettings, purchaseId, user, request, idempotencyKey);
      await inFlight.claim(user.id, purchaseId);
      try {
        return await startSaga(temporal, withinDeadline, input);
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          // An earlier request with this key started the saga (its answer may have been lost): that is the purchase.
          const row = await store.purchase.findUnique({ where: { id: purchaseId } });
          const existing = row ? purchaseFromRow(row) : await started(purchaseId);
          if (existing) return sameRequestOrRefuse(existing, request);
        }
        // No saga holds the slot. (A start whose answer was lost may run without one: the bound errs on the open side.)
        await inFlight.release(purchaseId).catch(() => undefined);
        return rethrowTemporalUnavailable(error);
      }
    },

    list: (user, query) => listPurchases(store, user, query),

    async get(user, purchaseId, options = {}) {
      const { waitMs, signal } = options;
      const row = await store.purchase.findUnique({ where: { id: purchaseId } });
      if (row) {
        const purchase = purchaseFromRow(row);
        if (!visibleTo(user, purchase)) throw notFound(purchaseId);
        if (!waitMs || isFinal(purchase.status)) return purchase;
        await untilSagaEnds(temporal, purchaseId, waitMs, signal);
        return afterWait(user, purchaseId, purchase);
      }
      if (!waitMs) return findVisible(user, purchaseId);
      if (!mayAskTemporal(user, purchaseId)) throw notFound(purchaseId);
      // No record yet (a GET right after the 202): wait for the saga itself, then read the record it has written by
      // then, which says whose purchase it is. Temporal's copy is read only if there is still none.
      if ((await untilSagaEnds(temporal, purchaseId, waitMs, signal)) === 'not-found') throw notFound(purchaseId);
      return afterWait(user, purchaseId);
    },

    async cancel(user, purchaseId, reason) {
      const { workflowId } = await findVisible(user, purchaseId);
      return cancelSaga(temporal, withinDeadline, purchaseId, workflowId, reason);
    },
  };
}
