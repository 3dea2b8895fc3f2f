import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CodedError, type ErrorBody, type ErrorCode, type ErrorDetails } from '../contracts/errors';

/** The one place a contract error code becomes an HTTP status. */
export const httpStatusByCode: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  SKU_TAKEN: 409,
  NOT_CANCELLABLE: 409,
  OUT_OF_STOCK: 409,
  NO_DELIVERY_CAPACITY: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_SKU: 422,
  UNSERVED_COUNTRY: 422,
  INVALID_VOUCHER: 422,
  IDEMPOTENCY_KEY_MISMATCH: 422,
  RATE_LIMITED: 429,
  TOO_MANY_PURCHASES_IN_FLIGHT: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** A 429: the client may try again after `retryAfterSeconds`, which the answer carries as `Retry-After`. */
export class ThrottledError extends CodedError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code: 'RATE_LIMITED' | 'TOO_MANY_PURCHASES_IN_FLIGHT' = 'RATE_LIMITED',
  ) {
    super(code, message);
    this.name = 'ThrottledError';
  }
}

/**
 * A 503 whose cause (an address, a socket error, a status from a service) belongs in the log, not in the answer:
 * the client reads only `message`, the error handler logs the cause with the request id.
 */
export function unavailable(message: string, cause: unknown): CodedError {
  const error = new CodedError('SERVICE_UNAVAILABLE', message);
  error.cause = cause;
  return error;
}

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetails): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Answers with the contract's error shape and the status its code maps to. */
export function errorResponse(c: Context, error: CodedError): Response {
  if (error instanceof ThrottledError) c.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  return c.json(errorBody(error.code, error.message, error.details), httpStatusByCode[error.code]);
}
