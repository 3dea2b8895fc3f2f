import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { CodedError, type ErrorCode } from '../../contracts/errors';
import { currentLogContext, type Logger } from '../../logging';
import { reportError } from '../../observability/error-reports';
import type { AppEnv } from '../context';
import { errorResponse, httpStatusByCode } from '../errors';
import { isDatabaseUnavailable } from '../../prisma/errors';
import { isTemporalUnavailable } from '../temporal-errors';

export interface FieldError {
  path: string;
  message: string;
}

export function fieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

const notJson = new CodedError('VALIDATION_FAILED', 'The body must be JSON, sent with Content-Type: application/json', [
  { path: '', message: 'expected Content-Type: application/json' },
]);
const jsonContentType = /^application\/([\w.-]+\+)?json(\s*;.*)?$/i;

/**
 * The OpenAPIHono `defaultHook`: every failed body, query, path or header validation answers 400 with field errors.
 * A body sent with another content type reaches the schema as `{}`, so say what was really wrong.
 */
export const validationHook = (
  result: { target: string; success: boolean; error?: ZodError },
  c: { req: { header(name: string): string | undefined } },
) => {
  if (result.success || !result.error) return;
  if (result.target === 'json' && !jsonContentType.test(c.req.header('content-type') ?? '')) throw notJson;
  throw new CodedError('VALIDATION_FAILED', `Invalid request ${describeTarget(result.target)}`, fieldErrors(result.error));
};

function describeTarget(target: string): string {
  if (target === 'json') return 'body';
  if (target === 'param') return 'path';
  return target;
}

const codeByHttpStatus: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Turns anything thrown into the contract's error shape; the unexpected is logged, never shown. */
export function handleError(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    if (error instanceof CodedError) {
      // A refusal of ours is the client's business; a dependency's failure is the operator's: log its cause.
      if (httpStatusByCode[error.code] >= 500) {
        logger.warn(
          { requestId: c.get('requestId'), code: error.code, err: error.cause ?? error, method: c.req.method, path: c.req.path },
          error.message,
        );
      }
      return errorResponse(c, error);
    }
    if (error instanceof HTTPException) {
      // The route's media-type gate: the contract counts a body of another type as an invalid body (400).
      if (error.status === 415) return errorResponse(c, notJson);
      // Hono's own refusals, e.g. "Malformed JSON in request body" from the validator.
      const code = codeByHttpStatus[error.status];
      if (code) {
        const details = code === 'VALIDATION_FAILED' ? [{ path: '', message: error.message }] : undefined;
        return errorResponse(c, new CodedError(code, error.message || 'Request refused', details));
      }
    }
    if (isTemporalUnavailable(error)) {
      logger.warn({ requestId: c.get('requestId'), err: error, method: c.req.method, path: c.req.path }, 'Temporal is unreachable');
      return errorResponse(c, new CodedError('SERVICE_UNAVAILABLE', 'The workflow service is unavailable; try again'));
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn({ requestId: c.get('requestId'), err: error, method: c.req.method, path: c.req.path }, 'The store database is busy');
      c.header('Retry-After', '1');
      return errorResponse(c, new CodedError('SERVICE_UNAVAILABLE', 'The database is busy; try again'));
    }
    logger.error({ requestId: c.get('requestId'), err: error, method: c.req.method, path: c.req.path }, 'Unhandled error');
    reportError(error, { ...currentLogContext(), requestId: c.get('requestId'), method: c.req.method, route: c.req.routePath });
    return errorResponse(c, new CodedError('INTERNAL', `Internal error (request ${c.get('requestId') ?? 'unknown'})`));
  };
}

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, new CodedError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`));
