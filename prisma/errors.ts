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
