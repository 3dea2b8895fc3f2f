import type { User } from '../../contracts/auth';
import { CodedError } from '../../contracts/errors';
import type { PurchaseListQuery, PurchasePage } from '../../contracts/purchase-list';
import type { StoreDb } from '../../prisma/clients';
import { purchaseFromRow } from './resource';

/**
 * GET /purchases, one page at a time, newest first: keyset paging on (createdAt, id), both descending, so a page is an
 * index range read (Purchase's (createdAt, id) and (userId, createdAt, id) indexes) however deep it lies, and purchases
 * recorded meanwhile neither repeat nor push others off a page. The cursor is the last purchase of the page before.
 */
interface Position {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of `[createdAt in ms, id]`. */
export function encodeCursor({ createdAt, id }: Position): string {
  return Buffer.from(JSON.stringify([createdAt.getTime(), id])).toString('base64url');
}

const maxIdLength = 100;

/** The position a cursor names, or undefined for anything that is not a cursor this gateway made. */
export function decodeCursor(cursor: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [ms, id] = parsed as unknown[];
  if (!Number.isSafeInteger(ms) || typeof id !== 'string' || id.length === 0 || id.length > maxIdLength) return undefined;
  const createdAt = new Date(ms as number);
  return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id };
}

/** The caller's purchases (ADMIN: everyone's), `query.limit` of them from `query.cursor` on. */
export async function listPurchases(store: StoreDb, user: User, query: PurchaseListQuery): Promise<PurchasePage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !after) {
    throw new CodedError('VALIDATION_FAILED', 'Invalid request query', [
      { path: 'cursor', message: 'not a cursor: pass the nextCursor of the page before, as it was given' },
    ]);
  }
  const rows = await store.purchase.findMany({
    where: {
      ...(user.role === 'ADMIN' ? {} : { userId: user.id }),
      ...(query.status ? { status: query.status } : {}),
      ...(after
        ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    // One more than the page: whether it comes says whether there is a next page.
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(purchaseFromRow),
    ...(rows.length > query.limit && last ? { nextCursor: encodeCursor(last) } : {}),
  };
}
