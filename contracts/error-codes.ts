/**
 * The contract's error codes, as plain lists: the workflow reads the business refusals from here without building the
 * error schemas (./errors) in every run.
 */

/**
 * Refusals a service makes on business grounds: final, never retried (they fail the purchase). NO_DELIVERY_CAPACITY:
 * the carrier has no room within its booking horizon, and waiting for room would hold the reserved stock meanwhile.
 */
export const businessRefusalCodes = [
  'OUT_OF_STOCK',
  'UNKNOWN_SKU',
  'UNSERVED_COUNTRY',
  'NO_DELIVERY_CAPACITY',
  'INVALID_VOUCHER',
] as const;
export type BusinessRefusalCode = (typeof businessRefusalCodes)[number];

/** Every error code a client can meet. The gateway maps each to one HTTP status in `api/errors.ts`. */
export const errorCodes = [
  ...businessRefusalCodes,
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'EMAIL_TAKEN',
  'INVALID_CREDENTIALS',
  'SKU_TAKEN',
  'NOT_CANCELLABLE',
  'IDEMPOTENCY_KEY_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'TOO_MANY_PURCHASES_IN_FLIGHT',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;
