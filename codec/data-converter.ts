import type { DataConverter } from '@temporalio/common';
import type { PayloadKey } from '../config/payload-keys';
import { EncryptionCodec } from './encryption-codec';

/**
 * The one data converter of every client and worker: the default payload converter, then the encryption codec. The
 * codec runs outside the workflow sandbox, so a prebuilt workflow bundle needs nothing of it.
 */
export function payloadDataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}
