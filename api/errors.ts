import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CodedError, type ErrorBody, type ErrorCode } from '../contracts/errors';

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
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_SKU: 422,
  UNSERVED_COUNTRY: 422,
  INVALID_VOUCHER: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
};

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Answers with the contract's error shape and the status its code maps to. */
export function errorResponse(c: Context, error: CodedError): Response {
  return c.json(errorBody(error.code, error.message, error.details), httpStatusByCode[error.code]);
}
