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
/** Documents that a route wants no credentials (said explicitly, so no reader wonders). */
export const noSecurity: { [scheme: string]: string[] }[] = [];

const errorDescriptions = {
  400: 'Invalid body, query, path or header (VALIDATION_FAILED, with one entry per field in details)',
  401: 'Missing, invalid or expired session token (UNAUTHORIZED), or bad credentials (INVALID_CREDENTIALS)',
  403: 'The caller lacks the role (FORBIDDEN)',
  404: 'No such resource (NOT_FOUND)',
  409: 'Conflicts with the current state (EMAIL_TAKEN, SKU_TAKEN, NOT_CANCELLABLE)',
  413: 'Body over 64 KiB (PAYLOAD_TOO_LARGE)',
  422: 'The Idempotency-Key was used before with a different body (IDEMPOTENCY_KEY_MISMATCH)',
  429: 'Too many requests (RATE_LIMITED); the Retry-After header says when to try again',
  500: 'An unexpected failure (INTERNAL); the message carries the request id to quote',
  503: 'A service the gateway needs is unreachable (SERVICE_UNAVAILABLE); try again',
} as const;
type ErrorStatus = keyof typeof errorDescriptions;
type ErrorResponse = {
  description: string;
  content: { 'application/json': { schema: typeof ErrorBody } };
  headers?: Record<string, { description: string; schema: { type: 'integer' } }>;
};

function errorResponse(status: ErrorStatus): ErrorResponse {
  return {
    description: errorDescriptions[status],
    content: { 'application/json': { schema: ErrorBody } },
    ...(status === 429
      ? { headers: { 'Retry-After': { description: 'Seconds to wait before the next request', schema: { type: 'integer' } } } }
      : {}),
  };
}

/**
 * The error answers a route may give, all in the contract's error shape. Any rate-limited route may answer 429, and
 * any route 500; the probes (/health, /ready) are not rate-limited and use `errorResponsesOf` alone.
 */
export function errorResponses<const S extends ErrorStatus[]>(...statuses: S): Record<S[number] | 429 | 500, ErrorResponse> {
  return errorResponsesOf(...statuses, 429, 500) as Record<S[number] | 429 | 500, ErrorResponse>;
}

export function errorResponsesOf<const S extends ErrorStatus[]>(...statuses: S): Record<S[number], ErrorResponse> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(status)])) as Record<S[number], ErrorResponse>;
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

/**
 * The document's frame. OpenAPI 3.0.3 rather than 3.1: openapi-generator, NSwag, Swagger Codegen and AutoRest read
 * 3.0 fully and 3.1 partly or not at all, while openapi-typescript, orval and Kiota read both; nothing here needs 3.1.
 */
export const gatewayDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Purchase gateway',
    version: '1.0.0',
    description:
      'Durable purchase sagas on Temporal: users, the catalog, and purchases whose saga reserves stock at a supplier, ' +
      'books a delivery at a carrier and confirms after a cancellation window. Errors are always ' +
      '`{"error": {"code", "message", "details"?}}`; authenticate with `Authorization: Bearer <token>` from `POST /auth/login`.',
    license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
  },
  // Relative: clients and Swagger UI talk to the gateway that served the document.
  servers: [{ url: '/', description: 'The gateway that serves this document' }],
  tags: [
    { name: 'auth', description: 'Users and their bearer sessions' },
    { name: 'products', description: 'The catalog, priced by the gateway, with the supplier’s stock' },
    { name: 'purchases', description: 'Purchases and their sagas' },
    { name: 'inventory', description: 'The supplier’s stock (ADMIN; proxied to the supplier)' },
    { name: 'orders', description: 'The supplier’s orders (ADMIN; proxied to the supplier)' },
    { name: 'deliveries', description: 'The carrier’s deliveries (ADMIN; proxied to the carrier)' },
    { name: 'health', description: 'Probes: liveness and readiness, never rate-limited' },
  ],
};
