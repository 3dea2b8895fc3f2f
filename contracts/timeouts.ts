/**
 * Every wait on a database, and the activity timeouts sized to outlast them, in one place. The drivers take their
 * limits from here (prisma/databases.ts, prisma/transactions.ts) and the workflow its activity options, so an attempt
 * never times out while its own database call may still be waiting, and no wait is unbounded.
 */
export const databaseLimits = {
  /**
   * SQLite's busy timeout. better-sqlite3 is synchronous: a busy wait blocks the whole process's event loop (its
   * /health, its heartbeats, its other tasks). So it is short: a lock held longer surfaces as SQLITE_BUSY at once,
   * an activity fails its attempt and Temporal's retry with backoff does the waiting; the gateway answers 503.
   */
  sqliteBusyTimeoutMs: 50,
  /**
   * The same before a process serves anything (migrations in the Prisma CLI's own process, seeding, the admin user),
   * and in tools reading a running system's files: a blocked event loop harms no one there, and a start beside a
   * busy writer should wait rather than exit.
   */
  sqliteStartupBusyTimeoutMs: 15_000,
  /** A row lock waited on: PostgreSQL `lock_timeout`, InnoDB `innodb_lock_wait_timeout` (whole seconds). */
  lockWaitMs: 5_000,
  /** One statement, its lock waits included: PostgreSQL `statement_timeout`, MariaDB `max_statement_time`. */
  statementMs: 10_000,
  /** Opening a connection to a server database (pg `connectionTimeoutMillis`, mariadb `connectTimeout`). */
  connectMs: 10_000,
  /** Prisma's interactive transaction: waiting to start one, and running it to its commit. */
  transactionMaxWaitMs: 5_000,
  transactionMs: 15_000,
} as const;

/**
 * The longest an activity's attempt can wait on its database: a connection, then one transaction (waiting to start,
 * then running; its statements are inside its limit) or, outside a transaction, two statements (the store's record
 * write reads back after a conditional update).
 */
export const longestDatabaseWaitMs = Math.max(
  databaseLimits.connectMs + databaseLimits.transactionMaxWaitMs + databaseLimits.transactionMs,
  databaseLimits.connectMs + 2 * databaseLimits.statementMs,
);

/**
 * Per owner (every owner's activities are database work of the same shape): start-to-close outlasts the longest
 * database wait with a margin, so a timed-out attempt is one whose worker is gone or stuck, never one still waiting
 * legitimately; the heartbeat timeout is how fast a dead worker is noticed (the old, too-short 10 s start-to-close did
 * that before). Activities heartbeat every `heartbeatEveryMs` (activities/heartbeat.ts).
 */
const databaseActivity = {
  startToCloseMs: longestDatabaseWaitMs + 10_000,
  heartbeatTimeoutMs: 10_000,
  heartbeatEveryMs: 2_000,
} as const;

export const activityTimeouts = {
  supplier: databaseActivity,
  carrier: databaseActivity,
  store: databaseActivity,
} as const;
export type ActivityOwner = keyof typeof activityTimeouts;

/**
 * The store's record writes run as local activities, inside the workflow task of the worker running the saga. Any
 * backoff longer than this waits on a durable timer between workflow tasks rather than inside one, so a write that
 * keeps failing (its database away) holds no workflow task through its retries and never slows other purchases
 * (the SDK's default, 1 minute, kept whole runs of retries inside one task). Every retry interval is at least 10 ms
 * (config/index.ts), so each retry of a failed write is a timer.
 */
export const localActivityRetryThresholdMs = 1;
