import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadKey } from '../config/payload-keys';

/** What marks an encrypted payload, and which key encrypted it, in the payload's metadata. */
export const encryptedEncoding = 'binary/encrypted';
export const keyIdMetadataKey = 'encryption-key-id';

const nonceBytes = 12;
const tagBytes = 16;

/** A payload encrypted under a key id that the keys in use do not list (it was removed too early), or tampered with. */
export class PayloadDecryptionError extends Error {
  readonly code = 'PAYLOAD_KEY_UNKNOWN';
  constructor(
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * AES-256-GCM over the whole payload (its metadata and data, as protobuf): a fresh 12-byte nonce per payload, the
 * nonce and the tag beside the ciphertext, the key id in the metadata and bound as additional data. The first key
 * encrypts; any key listed decrypts. Payloads without the encrypted encoding (histories from before the codec) pass
 * through unchanged.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new Error('The payload codec needs at least one key');
    this.current = keys[0];
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { id, key } = this.current;
      const nonce = randomBytes(nonceBytes);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(id, 'utf8'));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(encryptedEncoding, 'utf8'),
          [keyIdMetadataKey]: Buffer.from(id, 'utf8'),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== encryptedEncoding) return payload;
      const id = text(payload.metadata?.[keyIdMetadataKey]);
      if (!id) throw new PayloadDecryptionError(`An encrypted payload names no key id (metadata ${keyIdMetadataKey})`);
      const key = this.byId.get(id);
      if (!key) {
        throw new PayloadDecryptionError(
          `A payload is encrypted with key id "${id}", which PAYLOAD_KEYS does not list: add that key back (any position after the first) to read it`,
          id,
        );
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      if (sealed.length < nonceBytes + tagBytes) throw new PayloadDecryptionError(`An encrypted payload (key "${id}") is truncated`, id);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, nonceBytes));
        decipher.setAAD(Buffer.from(id, 'utf8'));
        decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
        const plain = Buffer.concat([decipher.update(sealed.subarray(nonceBytes, sealed.length - tagBytes)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain) as Payload;
      } catch {
        throw new PayloadDecryptionError(`An encrypted payload does not decrypt with key "${id}": another key under the same id, or altered`, id);
      }
    });
  }
}
