/**
 * Write transactions, and the little SQL that differs per engine. What holds each invariant:
 *
 * - PostgreSQL (READ COMMITTED) and MySQL/MariaDB (InnoDB, REPEATABLE READ): row locks. A conditional UPDATE
 *   (`… WHERE available >= quantity`) locks the row it changes; a concurrent one waits for that transaction to end and
 *   re-checks its condition on the committed row (PostgreSQL re-evaluates the WHERE on the new row version; InnoDB's
 *   UPDATE reads the latest committed row, not the transaction's snapshot). So check-and-write is one atomic step
 *   and no update is lost. A unique key (purchaseId) makes a second insert wait for the first and then fail (P2002).
 *   No extra lock statement is needed, and none is taken.
 * - SQLite: one writer at a time for the whole file. The better-sqlite3 adapter opens transactions with a plain
 *   (deferred) `BEGIN`; a deferred transaction that reads first holds a read lock, and when it then tries to write
 *   while another process is committing SQLite reports SQLITE_BUSY at once instead of honouring the busy timeout.
 *   A transaction whose first statement writes waits for the lock like `BEGIN IMMEDIATE` would, so every write
 *   transaction opens with a write that changes nothing, and its reads and checks run under the write lock.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { databaseLimits } from '../contracts/timeouts';
import { engineOfClient } from './clients';
import type { Engine } from './engines';

interface RawExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

interface TransactionalClient<Tx extends RawExecutor> {
  $transaction<R>(work: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

/**
 * Bounded, and shorter than an activity's start-to-close (contracts/timeouts.ts): a transaction that runs out is an
 * infrastructure fault, retried by Temporal.
 */
const transactionLimits = { maxWait: databaseLimits.transactionMaxWaitMs, timeout: databaseLimits.transactionMs };

/**
 * The abort signal of the work in progress (an activity's attempt, set by activities/heartbeat.ts): a transaction
 * whose attempt was cancelled or timed out rolls back instead of committing beside the attempt that replaced it.
 */
const currentWork = new AsyncLocalStorage<AbortSignal>();
export const runAbortable = <R>(signal: AbortSignal, work: () => Promise<R>): Promise<R> => currentWork.run(signal, work);

/** Runs `work` in one write transaction; on SQLite it holds the database's write lock from its first statement. */
export function writeTransaction<Tx extends RawExecutor, R>(
  db: TransactionalClient<Tx>,
  lockTable: string,
  work: (tx: Tx, engine: Engine) => Promise<R>,
): Promise<R> {
  const engine = engineOfClient(db);
  return db.$transaction(async (tx) => {
    if (engine === 'sqlite') {
      // A no-op UPDATE takes the write lock, and so the busy timeout applies, before any read.
      await tx.$executeRawUnsafe(`UPDATE ${quoted(engine, lockTable)} SET "updatedAt" = "updatedAt" WHERE 1 = 0`);
    }
    const result = await work(tx, engine);
    // Thrown inside the transaction, so it rolls back: its attempt is over and a retry does (or did) the work.
    currentWork.getStore()?.throwIfAborted();
    return result;
  }, transactionLimits);
}

/** An identifier quoted for the engine: backticks on MySQL (double quotes are string literals there by default). */
export function quoted(engine: Engine, identifier: string): string {
  return engine === 'mysql' ? `\`${identifier}\`` : `"${identifier}"`;
}

/**
 * Inserts a row unless one with the same key exists, without failing and without aborting the transaction (on
 * PostgreSQL a failed insert aborts the whole transaction, so catching P2002 inside it is no option). A concurrent
 * insert of the same key waits for the other transaction and then does nothing.
 */
export async function insertIfAbsent(
  tx: RawExecutor,
  engine: Engine,
  table: string,
  key: string,
  values: Record<string, string | number>,
): Promise<void> {
  const columns = [...Object.keys(values), 'updatedAt'];
  const list = columns.map((column) => quoted(engine, column)).join(', ');
  const params = Object.values(values);
  const placeholders = params.map((_, index) => (engine === 'postgresql' ? `$${index + 1}` : '?'));
  const now = engine === 'mysql' ? 'CURRENT_TIMESTAMP(3)' : 'CURRENT_TIMESTAMP';
  const row = `(${[...placeholders, now].join(', ')})`;
  const sql =
    engine === 'mysql'
      ? `INSERT INTO ${quoted(engine, table)} (${list}) VALUES ${row} ON DUPLICATE KEY UPDATE ${quoted(engine, key)} = ${quoted(engine, key)}`
      : `INSERT INTO ${quoted(engine, table)} (${list}) VALUES ${row} ON CONFLICT (${quoted(engine, key)}) DO NOTHING`;
  await tx.$executeRawUnsafe(sql, ...params);
}

