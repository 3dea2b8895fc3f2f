import { createHash, randomBytes } from 'node:crypto';

/**
 * Purchase ids are UUIDs (RFC 9562 version 8) whose first 32 bits tag their owner. The saga writes the record a moment
 * after the 202, so a read of an id without a record asks Temporal; the tag lets the gateway ask only about ids that
 * can be the caller's, so an unknown id, or someone else's, is a 404 without a call to Temporal (and is answered the
 * same way whether Temporal is up or not). The rest is a hash of (user, Idempotency-Key), so that every retry of a
 * request names the same purchase and workflow without a lookup table, or random when there is no key.
 */
function ownerTag(userId: string): string {
  return createHash('sha256').update(`owner\u0000${userId}`).digest('hex').slice(0, 8);
}

function asUuid(hex: string): string {
  // Version 8 (custom) with the RFC variant bits.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The purchase id of a request with an Idempotency-Key: the same for every retry of it. */
export function purchaseIdFor(userId: string, idempotencyKey: string): string {
  const body = createHash('sha256').update(`${userId}\u0000${idempotencyKey}`).digest('hex');
  return asUuid(ownerTag(userId) + body.slice(8, 32));
}

/** The purchase id of a request without an Idempotency-Key. */
export function newPurchaseId(userId: string): string {
  return asUuid(ownerTag(userId) + randomBytes(12).toString('hex'));
}

/** False when the id cannot be one of this user's purchases (a tag collision across users makes it true by chance). */
export function mayBelongTo(purchaseId: string, userId: string): boolean {
  return purchaseId.slice(0, 8).toLowerCase() === ownerTag(userId);
}
