import type { User } from '../../contracts/auth';
import { CodedError } from '../../contracts/errors';
import type { PurchaseRequest } from '../../contracts/purchase';
import type { PurchaseWorkflowInput, SagaSettings } from '../../contracts/workflow-input';
import { quotePurchase } from '../../domain/pricing';
import type { StoreDb } from '../../prisma/clients';

/** The store keeps amounts in 32-bit integer columns (Prisma `Int`, on every engine): a larger total is refused. */
const maxTotalCents = 2 ** 31 - 1;

async function catalogPrices(store: StoreDb, skus: string[]) {
  const products = await store.product.findMany({ where: { sku: { in: skus } }, select: { sku: true, priceCents: true } });
  return new Map(products.map((product) => [product.sku, product.priceCents]));
}

/** The saga's input, priced from the catalog (never from the client); a refusal found here fails the saga at once. */
export async function pricedWorkflowInput(
  store: StoreDb,
  /** Asked at each new purchase: the live PURCHASE_CANCEL_WINDOW goes into that saga's input. */
  settings: () => SagaSettings,
  purchaseId: string,
  user: User,
  request: PurchaseRequest,
  idempotencyKey: string | undefined,
): Promise<PurchaseWorkflowInput> {
  const quote = quotePurchase(await catalogPrices(store, request.items.map((item) => item.sku)), request.items, request.voucher);
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
    settings: settings(),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}
