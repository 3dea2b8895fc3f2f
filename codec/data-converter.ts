import type { DataConverter } from '@temporalio/common';
import type { PayloadKey } from '../config/payload-keys';
import { EncryptionCodec } from './encryption-codec';

/** The failure converter's module, which the workflow bundle takes in too (workers/workflow-bundle.ts). */
export const failureConverterPath = require.resolve('./failure-converter');

/**
 * The one data converter of every client and worker: the default payload converter, failures with their messages
 * and stack traces encoded (./failure-converter), then the encryption codec. The codec runs outside the workflow
 * sandbox, so a prebuilt workflow bundle needs nothing of it.
 */
export function payloadDataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { failureConverterPath, payloadCodecs: [new EncryptionCodec(keys)] };
}
