/**
 * Write transactions that behave under SQLite's locking when several processes share one database file.
 *
 * The better-sqlite3 adapter opens transactions with a plain (deferred) `BEGIN`. A deferred transaction that reads
 * first holds a read lock; when it then tries to write while another process is committing, SQLite reports
 * SQLITE_BUSY at once (waiting could deadlock) instead of honouring the busy timeout. A transaction whose first
 * statement writes waits for the lock like `BEGIN IMMEDIATE` would. So every write transaction opens with a write
 * that changes nothing, and its reads and checks run under the write lock.
 */

interface RawExecutor {
  $executeRawUnsafe(query: string): Promise<number>;
}

interface TransactionalClient<Tx extends RawExecutor> {
  $transaction<R>(work: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

/**
 * Generous limits: under contention a transaction may wait for the file lock (the adapter's busy timeout) before it
 * starts its work. A transaction that still runs out is an infrastructure fault, retried by Temporal.
 */
const transactionLimits = { maxWait: 20_000, timeout: 30_000 };

/** Runs `work` in one transaction that holds the database's write lock from its first statement. */
export function writeTransaction<Tx extends RawExecutor, R>(
  db: TransactionalClient<Tx>,
  lockTable: string,
  work: (tx: Tx) => Promise<R>,
): Promise<R> {
  return db.$transaction(async (tx) => {
    // A no-op UPDATE takes the write lock, and so the busy timeout applies, before any read.
    await tx.$executeRawUnsafe(`UPDATE "${lockTable}" SET "updatedAt" = "updatedAt" WHERE 1 = 0`);
    return work(tx);
  }, transactionLimits);
}

/** A unique constraint refused an insert: another worker wrote the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
