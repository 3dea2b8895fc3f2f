import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBody } from '../contracts/errors';
import type { AppEnv } from './context';
import { validationHook } from './middleware/errors';

/** Every route module builds on this, so that all of them share the validation answer. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export const bearerSecurityScheme = 'bearerAuth';
/** Documents that a route wants `Authorization: Bearer <token>`. */
export const bearerSecurity = [{ [bearerSecurityScheme]: [] }];

const errorDescriptions = {
  400: 'Invalid body, query or path (VALIDATION_FAILED, with field errors in details)',
  401: 'Missing, invalid or expired session token (UNAUTHORIZED), or bad credentials (INVALID_CREDENTIALS)',
  403: 'The caller lacks the role (FORBIDDEN)',
  404: 'No such resource (NOT_FOUND)',
  409: 'Conflicts with the current state',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  422: 'The Idempotency-Key was used before with a different body (IDEMPOTENCY_KEY_MISMATCH)',
  429: 'Too many requests (RATE_LIMITED), see Retry-After',
  503: 'A service the gateway needs is unreachable (SERVICE_UNAVAILABLE)',
} as const;
type ErrorStatus = keyof typeof errorDescriptions;
type ErrorResponse = { description: string; content: { 'application/json': { schema: typeof ErrorBody } } };

/** The error answers a route may give, all in the contract's error shape; any route may be rate-limited. */
export function errorResponses<const S extends ErrorStatus[]>(...statuses: S): Record<S[number] | 429, ErrorResponse> {
  return Object.fromEntries(
    [...statuses, 429].map((status) => [
      status,
      { description: errorDescriptions[status as ErrorStatus], content: { 'application/json': { schema: ErrorBody } } },
    ]),
  ) as Record<S[number] | 429, ErrorResponse>;
}

export const jsonBody = <T>(schema: T, description?: string) => ({
  required: true,
  content: { 'application/json': { schema } },
  ...(description ? { description } : {}),
});

export const jsonContent = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * An id that the gateway puts into an owner's URL: no "/", and no leading "." that could make "." or ".." walk the
 * owner's paths.
 */
export const ownerResourceId = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"');
