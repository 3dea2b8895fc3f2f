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
