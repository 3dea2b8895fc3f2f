import type { PayloadCodec } from '@temporalio/common';
import { encryptedEncoding } from './encryption-codec';
import { payloadFromJson, payloadToJson, type JsonPayload } from './payload-json';

const encryptedEncodingBase64 = Buffer.from(encryptedEncoding).toString('base64');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isEncryptedPayload = (value: { [key: string]: Json }): value is JsonPayload & { [key: string]: Json } =>
  typeof value.metadata === 'object' &&
  value.metadata !== null &&
  !Array.isArray(value.metadata) &&
  value.metadata.encoding === encryptedEncodingBase64;

/**
 * A history in its JSON form (`historyToJSON`, `temporal workflow show -o json`) with every encrypted payload, wherever
 * it sits (inputs, results, memo, summaries, failures' details), replaced by its decoded form. Used to keep recorded
 * histories readable and replayable without the key they were written under.
 */
export async function decodedHistoryJson<T>(history: T, codec: PayloadCodec): Promise<T> {
  const visit = async (value: Json): Promise<Json> => {
    if (Array.isArray(value)) return Promise.all(value.map(visit));
    if (value === null || typeof value !== 'object') return value;
    if (isEncryptedPayload(value)) {
      const [decoded] = await codec.decode([payloadFromJson(value)]);
      return payloadToJson(decoded!) as Json;
    }
    const entries = await Promise.all(Object.entries(value).map(async ([key, inner]) => [key, await visit(inner)] as const));
    return Object.fromEntries(entries);
  };
  return (await visit(history as Json)) as T;
}
