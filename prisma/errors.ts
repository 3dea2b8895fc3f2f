/** Prisma's error codes for constraint failures, read without depending on its error classes (one per engine client). */
function prismaCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/** A unique constraint refused the write (P2002 on every engine): another writer used the same key first. */
export const isUniqueViolation = (error: unknown) => prismaCode(error) === 'P2002';

/** The row to update or delete does not exist (P2025). */
export const isRecordMissing = (error: unknown) => prismaCode(error) === 'P2025';

/**
 * The store's database did not answer in time: SQLite busy under another process's lock (surfaced at once, its busy
 * timeout being short), a lock or statement timeout, no connection (P1008, P1001, P1017, P2024). A 503 the client
 * retries, never a 500.
 */
export const isDatabaseUnavailable = (error: unknown) =>
  ['P1008', 'P1001', 'P1017', 'P2024'].includes(prismaCode(error) ?? '');

/**
 * Prisma's codes for a write the database refuses on its data, whatever the moment: a value too long (P2000), a
 * constraint (P2004), an invalid value (P2005, P2006, P2007, P2019, P2020, P2023), a missing parent (P2003), a null or
 * missing required value (P2011, P2012), a relation broken (P2014). The same write meets the same refusal on every
 * retry. A unique violation (P2002) is not among them: it is how a race between two attempts shows, and the retry
 * finds the winner's row; where one is final, the activity says so itself.
 */
const permanentCodes: Record<string, string> = {
  P2000: 'a value is too long for its column',
  P2003: 'a foreign key has no parent row',
  P2004: 'a constraint failed',
  P2005: 'a stored value is invalid for its field',
  P2006: 'a value is invalid for its field',
  P2007: 'the data failed validation',
  P2011: 'a required value is null',
  P2012: 'a required value is missing',
  P2014: 'the write would break a required relation',
  P2019: 'the input is invalid',
  P2020: 'a value is out of range',
  P2023: 'the column data is inconsistent',
};

/**
 * The same refusals as the driver adapter names them: a raw query's failure comes as P2010 ("raw query failed")
 * with only the adapter's kind to tell what it was.
 */
const permanentAdapterKinds: Record<string, string> = {
  ForeignKeyConstraintViolation: permanentCodes.P2003,
  NullConstraintViolation: permanentCodes.P2011,
  LengthMismatch: permanentCodes.P2000,
  ValueOutOfRange: permanentCodes.P2020,
  InvalidInputValue: permanentCodes.P2006,
  InconsistentColumnData: permanentCodes.P2023,
};

function adapterKind(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('meta' in error)) return undefined;
  const meta = error.meta as { driverAdapterError?: { cause?: { kind?: unknown } } } | undefined;
  const kind = meta?.driverAdapterError?.cause?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

/**
 * What makes a database error permanent, or undefined when retrying may help (a connection, a timeout, a busy file,
 * a lock wait, a write conflict, a unique race, anything unknown). The one place that tells the two apart; each
 * owner's activities turn a permanent one into a non-retryable failure (activities/database-failures.ts).
 */
export function permanentDatabaseError(error: unknown): { code: string; reason: string } | undefined {
  const code = prismaCode(error);
  if (code === undefined || !/^P\d{4}$/.test(code)) return undefined;
  const reason = permanentCodes[code];
  if (reason) return { code, reason };
  const kind = adapterKind(error);
  const kindReason = kind ? permanentAdapterKinds[kind] : undefined;
  return kindReason ? { code, reason: kindReason } : undefined;
}
