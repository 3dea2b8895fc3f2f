import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CodedError, type ErrorBody, type ErrorCode, type ErrorDetails } from '../contracts/errors';
import { currentLogContext, type Logger } from '../logging';
import { reportError } from '../observability/error-reports';

/**
 * Errors of the supplier's and the carrier's small HTTP APIs, in the contract's shape
 * `{error: {code, message, details?}}`. Handlers throw a CodedError; `answerErrors` turns it into the answer.
 */

const statusOf: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
};

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetails): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Hono's `onError`: a coded error answers with its status; anything else is logged and answers a bare 500. */
export function answerErrors(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof CodedError) {
      return c.json(errorBody(error.code, error.message, error.details), statusOf[error.code] ?? 500);
    }
    // The validator's own refusals, such as a body that is not JSON at all.
    if (error instanceof HTTPException && error.status === 400) {
      return c.json(errorBody('VALIDATION_FAILED', error.message, [{ path: '', message: error.message }]), 400);
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'Request failed');
    reportError(error, { ...currentLogContext(), method: c.req.method, route: c.req.routePath });
    return c.json(errorBody('INTERNAL', 'Internal error'), 500);
  };
}

export function answerNotFound(c: Context) {
  return c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404);
}
