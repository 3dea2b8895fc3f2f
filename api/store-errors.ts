/** Prisma's error codes for the store database's constraints, read without depending on its error classes. */
function prismaCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/** A unique constraint refused the write (P2002). */
export const isUniqueViolation = (error: unknown) => prismaCode(error) === 'P2002';

/** The row to update or delete does not exist (P2025). */
export const isRecordMissing = (error: unknown) => prismaCode(error) === 'P2025';
