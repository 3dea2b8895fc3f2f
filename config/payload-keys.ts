/**
 * The keys of the payload codec (codec/): `PAYLOAD_KEYS` (or `PAYLOAD_KEYS_FILE`) holds `id:base64key` pairs, comma
 * separated. The first key encrypts; every key listed decrypts, so a key is rotated by listing the new one first and
 * keeping the old ones while histories encrypted with them are within retention.
 */
export interface PayloadKey {
  id: string;
  /** 32 bytes: AES-256. */
  key: Buffer;
}

export const payloadKeyBytes = 32;
const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export class PayloadKeysError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
}

/**
 * Parses `id1:base64key,id2:base64key`; a problem names `setting` (empty: the caller names it) and the key's id, never
 * its value.
 */
export function parsePayloadKeys(text: string, setting = 'PAYLOAD_KEYS'): PayloadKey[] {
  const problem = (message: string) => new PayloadKeysError(setting ? `${setting}: ${message}` : message);
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw problem(`no key given (expected id:base64key[,id:base64key…])`);
  const keys: PayloadKey[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) throw problem(`entry ${index + 1} is not id:base64key`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!keyIdPattern.test(id)) {
      throw problem(`entry ${index + 1} has an invalid key id (1 to 64 of A-Z a-z 0-9 . _ -)`);
    }
    if (keys.some((known) => known.id === id)) throw problem(`key id "${id}" is listed twice`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw problem(`key "${id}" is not base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== payloadKeyBytes) {
      throw problem(
        `key "${id}" is ${key.length} bytes; AES-256 needs ${payloadKeyBytes} (e.g. openssl rand -base64 32)`,
      );
    }
    keys.push({ id, key });
  });
  return keys;
}

export function formatPayloadKeys(keys: readonly PayloadKey[]): string {
  return keys.map(({ id, key }) => `${id}:${key.toString('base64')}`).join(',');
}
