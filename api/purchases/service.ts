import {
  ApplicationFailure,
  type Client,
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
  type PurchaseWorkflowInput,
  requestCancellationUpdate,
  type SagaSettings,
  searchAttributes,
  taskQueues,
} from '../../contracts/temporal';
import { quotePurchase } from '../../domain/pricing';
import { isFinal } from '../../domain/purchase-state';
import type { StoreDb } from '../../prisma/clients';
import type { Purchase as PurchaseRow } from '../../prisma/store/generated/client';
import { isUniqueViolation } from '../store-errors';
import { rethrowTemporalUnavailable } from '../temporal-errors';
import { purchaseFromRow } from './resource';

export interface PurchaseServiceDeps {
  store: StoreDb;
  temporal: Client;
  settings: SagaSettings;
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
function sameRequestOrRefuse(row: PurchaseRow, request: PurchaseRequest): PurchaseRow {
  const stored = purchaseFromRow(row);
  const before = requestFingerprint({ items: stored.items, address: stored.address, voucherCode: stored.voucher?.code });
  const now = requestFingerprint({ items: request.items, address: request.address, voucherCode: request.voucher?.code });
  if (before !== now) {
    throw new CodedError(
      'IDEMPOTENCY_KEY_MISMATCH',
      'This Idempotency-Key was used for a purchase with a different body; use a new key for a new purchase',
      [{ path: 'Idempotency-Key', message: `already used for purchase ${row.id}` }],
    );
  }
  return row;
}

/** The store keeps amounts in 32-bit integer columns (Prisma `Int`, on every engine): a larger total is refused. */
const maxTotalCents = 2 ** 31 - 1;
const waitPollMs = 200;

// The contract declares the update's argument optional; the client's overloads want a required one. Same wire format.
export function createPurchaseService(deps: PurchaseServiceDeps): PurchaseService {
  const { store, temporal, settings, temporalTimeoutMs } = deps;
  const withinDeadline = <T>(call: () => Promise<T>) => temporal.withDeadline(Date.now() + temporalTimeoutMs, call);

  const catalogPrices = async (skus: string[]) => {
    const products = await store.product.findMany({ where: { sku: { in: skus } }, select: { sku: true, priceCents: true } });
    return new Map(products.map((product) => [product.sku, product.priceCents]));
  };

  const findByKey = (userId: string, idempotencyKey: string) =>
    store.purchase.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey } } });

  /** Inserts the purchase, or finds the one this user already made with this Idempotency-Key. */
  const insertOrFind = async (
    user: User,
    request: PurchaseRequest,
    idempotencyKey: string | undefined,
  ): Promise<{ row: PurchaseRow; isNew: boolean }> => {
    if (idempotencyKey) {
      const existing = await findByKey(user.id, idempotencyKey);
      if (existing) return { row: sameRequestOrRefuse(existing, request), isNew: false };
    }
    // Prices come from the catalog, never from the client.
    const quote = quotePurchase(await catalogPrices(request.items.map((item) => item.sku)), request.items, request.voucher);
    if (quote.subtotalCents > maxTotalCents) {
      throw new CodedError('VALIDATION_FAILED', 'The purchase is too large', [
        { path: 'items', message: `the total may be at most ${(maxTotalCents / 100).toFixed(2)}; split the purchase` },
      ]);
    }
    const id = crypto.randomUUID();
    const createdAt = new Date();
    try {
      const row = await store.purchase.create({
        data: {
          id,
          workflowId: purchaseWorkflowId(id),
          userId: user.id,
          idempotencyKey: idempotencyKey ?? null,
          status: 'RECEIVED',
          items: quote.items,
          address: request.address,
          voucherCode: request.voucher?.code ?? null,
          totalCents: quote.totalCents,
          discountCents: quote.discountCents,
          history: [{ status: 'RECEIVED', at: createdAt.toISOString() }],
          version: 0,
          createdAt,
        },
      });
      return { row, isNew: true };
    } catch (error) {
      // A concurrent request with the same key won the insert: answer with its purchase.
      if (!idempotencyKey || !isUniqueViolation(error)) throw error;
      const existing = await findByKey(user.id, idempotencyKey);
      if (!existing) {
        throw new CodedError('SERVICE_UNAVAILABLE', 'A concurrent request with this Idempotency-Key failed; retry it');
      }
      return { row: sameRequestOrRefuse(existing, request), isNew: false };
    }
  };

  const workflowInputFor = async (row: PurchaseRow): Promise<PurchaseWorkflowInput> => {
    const purchase = purchaseFromRow(row);
    // The refusal is not stored; pricing the stored items again finds it (unknown SKU, invalid voucher).
    const { refusal } = quotePurchase(
      await catalogPrices(purchase.items.map((item) => item.sku)),
      purchase.items,
      purchase.voucher,
    );
    return {
      purchaseId: purchase.id,
      customerId: purchase.customerId,
      items: purchase.items,
      address: purchase.address,
      ...(purchase.voucher ? { voucher: purchase.voucher } : {}),
      totalCents: purchase.totalCents,
      discountCents: purchase.discountCents,
      ...(refusal ? { refusal } : {}),
      createdAt: purchase.createdAt,
      settings,
    };
  };

  /** Starts the saga; an already started (or finished) one is success, which is what makes a retry safe. */
  const startWorkflow = async (row: PurchaseRow) => {
    const input = await workflowInputFor(row);
    const description = input.items.map((item) => `${item.quantity} × ${item.sku}`).join(', ');
    try {
      await withinDeadline(() =>
        temporal.workflow.start(purchaseWorkflowType, {
          taskQueue: taskQueues.purchases,
          workflowId: row.workflowId,
          // A closed workflow with this id must not run again: a repeated request is the same purchase.
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
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  };

  const findVisible = async (user: User, purchaseId: string): Promise<PurchaseRow> => {
    const row = await store.purchase.findUnique({ where: { id: purchaseId } });
    // Someone else's purchase is answered like a missing one: its existence is not the caller's business.
    if (!row || (row.userId !== user.id && user.role !== 'ADMIN')) {
      throw new CodedError('NOT_FOUND', `No purchase ${purchaseId}`);
    }
    return row;
  };

  return {
    async create(user, request, idempotencyKey) {
      const { row, isNew } = await insertOrFind(user, request, idempotencyKey);
      // Once the saga has recorded a transition it was certainly started; before that, (re)start it, which also
      // repairs a crash between the insert and the start.
      if (row.version === 0 && row.status === 'RECEIVED') {
        try {
          await startWorkflow(row);
        } catch (error) {
          // No half-written purchase: without its workflow the new row would never move.
          if (isNew) await store.purchase.deleteMany({ where: { id: row.id, version: 0 } });
          rethrowTemporalUnavailable(error);
        }
      }
      return purchaseFromRow(row);
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
      let row = await findVisible(user, purchaseId);
      // The record is written at every transition, so waiting on it needs no Temporal call: one indexed read a beat.
      const deadline = Date.now() + (options.waitMs ?? 0);
      while (!isFinal(row.status as PurchaseStatus) && Date.now() < deadline && !options.signal?.aborted) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(waitPollMs, Math.max(0, deadline - Date.now()))));
        row = (await store.purchase.findUnique({ where: { id: purchaseId } })) ?? row;
      }
      return purchaseFromRow(row);
    },

    async cancel(user, purchaseId, reason) {
      const row = await findVisible(user, purchaseId);
      const handle = temporal.workflow.getHandle(row.workflowId);
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
