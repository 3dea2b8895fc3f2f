import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { CodedError, type ErrorBody, type ErrorCode } from '../contracts/errors';
import type { Logger } from '../logging';

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

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Hono's `onError`: a coded error answers with its status; anything else is logged and answers a bare 500. */
export function answerErrors(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof CodedError) {
      return c.json(errorBody(error.code, error.message, error.details), statusOf[error.code] ?? 500);
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'Request failed');
    return c.json(errorBody('INTERNAL', 'Internal error'), 500);
  };
}

export function answerNotFound(c: Context) {
  return c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404);
}

/** Parses a value with a contract schema; a mismatch is a 400 with one entry per field. */
export function validated<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw new CodedError('VALIDATION_FAILED', `Invalid ${what}`, details);
}

/** The request's JSON body, parsed with a contract schema. */
export async function validatedJson<Schema extends z.ZodType>(c: Context, schema: Schema): Promise<z.output<Schema>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new CodedError('VALIDATION_FAILED', 'The body must be JSON', [{ path: '', message: 'not valid JSON' }]);
  }
  return validated(schema, body, 'body');
}
