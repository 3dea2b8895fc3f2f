import { z } from 'zod';
import { errorCodes } from './error-codes';

export { businessRefusalCodes, errorCodes, type BusinessRefusalCode } from './error-codes';

export const ErrorCode = z.enum(errorCodes).meta({ id: 'ErrorCode' });
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One field that failed validation: its dotted path (empty for the whole body) and what is wrong with it. */
export const FieldError = z.object({ path: z.string(), message: z.string() }).meta({ id: 'FieldError' });
export type FieldError = z.infer<typeof FieldError>;

/** VALIDATION_FAILED names each field; a readiness failure says which dependency is down. */
export const ErrorDetails = z.union([
  z.array(FieldError),
  z.record(z.string(), z.string()).meta({ description: 'Named facts, e.g. {"database": "up", "temporal": "down"}' }),
]);
export type ErrorDetails = z.infer<typeof ErrorDetails>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: ErrorDetails.optional(),
    }),
  })
  .meta({ id: 'ErrorBody', description: 'Every error answer: a contract code, a message for people, and details' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** An error with a contract code, thrown anywhere outside workflow code and turned into an answer at the edge. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}
