import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec, PayloadDecryptionError } from '../../../codec/encryption-codec';
import { decodedHistoryJson } from '../../../codec/history';
import { ensureLocalPayloadKeys, localPayloadKeysFile, payloadKeysFor } from '../../../codec/local-keys';
import { payloadToJson } from '../../../codec/payload-json';
import { loadConfig } from '../../../config';
import { formatPayloadKeys, type PayloadKey } from '../../../config/payload-keys';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const keyA = key('a');
const keyB = key('b');
const address = { name: 'Ada Lovelace', street: '12 Analytical Row', postalCode: 'NW1 6XE', email: 'ada@example.com' };
const plain = () => defaultPayloadConverter.toPayload(address);
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('utf8');
const readBack = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);

describe('the encryption codec', () => {
  it('encrypts with the first key: the key id in the metadata, nothing of the value in clear', async () => {
    const [encoded] = await new EncryptionCodec([keyA, keyB]).encode([plain()]);
    expect(text(encoded!.metadata!.encoding)).toBe('binary/encrypted');
    expect(text(encoded!.metadata!['encryption-key-id'])).toBe('a');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    const raw = Buffer.from(encoded!.data!).toString('latin1');
    for (const value of Object.values(address)) expect(raw).not.toContain(value);
    expect(readBack((await new EncryptionCodec([keyA]).decode([encoded!]))[0]!)).toEqual(address);
  });

  it('uses a fresh nonce for each payload: the same value never encrypts to the same bytes', async () => {
    const codec = new EncryptionCodec([keyA]);
    const [first, second] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
    expect(Buffer.from(first!.data!).subarray(0, 12).equals(Buffer.from(second!.data!).subarray(0, 12))).toBe(false);
  });

  it('passes payloads without the encrypted encoding through: histories from before the codec still read', async () => {
    const old = plain();
    const [decoded] = await new EncryptionCodec([keyA]).decode([old]);
    expect(decoded).toBe(old);
  });

  it('reads what an earlier key wrote after a rotation (B first, A still listed)', async () => {
    const [underA] = await new EncryptionCodec([keyA]).encode([plain()]);
    const rotated = new EncryptionCodec([keyB, keyA]);
    expect(readBack((await rotated.decode([underA!]))[0]!)).toEqual(address);
    const [underB] = await rotated.encode([plain()]);
    expect(text(underB!.metadata!['encryption-key-id'])).toBe('b');
  });

  it('refuses a payload whose key id is no longer listed with an error naming that key id', async () => {
    const [underA] = await new EncryptionCodec([keyA]).encode([plain()]);
    const decoding = new EncryptionCodec([keyB]).decode([underA!]);
    await expect(decoding).rejects.toBeInstanceOf(PayloadDecryptionError);
    await expect(decoding).rejects.toThrow(/key id "a", which PAYLOAD_KEYS does not list/);
  });

  it('refuses an altered payload, and another key under the same id', async () => {
    const [encoded] = await new EncryptionCodec([keyA]).encode([plain()]);
    const altered = Buffer.from(encoded!.data!);
    altered[20] = altered[20]! ^ 1;
    await expect(new EncryptionCodec([keyA]).decode([{ ...encoded!, data: altered }])).rejects.toThrow(/does not decrypt with key "a"/);
    await expect(new EncryptionCodec([key('a')]).decode([encoded!])).rejects.toThrow(/does not decrypt with key "a"/);
  });

  it('decodes every encrypted payload of a history in its JSON form, wherever it sits', async () => {
    const codec = new EncryptionCodec([keyA]);
    const [input, memo] = (await codec.encode([plain(), defaultPayloadConverter.toPayload('2 × SKU-1')])).map(payloadToJson);
    const history = { events: [{ eventId: '1', attributes: { input: { payloads: [input] }, memo: { fields: { summary: memo } } } }] };
    const decoded = await decodedHistoryJson(history, codec);
    expect(JSON.stringify(decoded)).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(decoded.events[0]!.attributes.input.payloads[0]).toEqual(payloadToJson(plain()));
    expect(decoded.events[0]!.attributes.memo.fields.summary).toEqual(payloadToJson(defaultPayloadConverter.toPayload('2 × SKU-1')));
  });
});

describe('PAYLOAD_KEYS', () => {
  const keys = (value: string) => loadConfig({ PAYLOAD_KEYS: value }).payloadKeys;

  it('lists id:base64key pairs, the first first', () => {
    expect(keys(formatPayloadKeys([keyB, keyA]))).toEqual([keyB, keyA]);
    expect(loadConfig({}).payloadKeys).toBeUndefined();
  });

  it('refuses a key of the wrong length, naming the setting and the key id, never the key', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => keys(`k1:${short}`)).toThrow(/PAYLOAD_KEYS: key "k1" is 16 bytes; AES-256 needs 32/);
    try {
      keys(`k1:${short}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
  });

  it('refuses entries without an id, twice the same id, and keys that are not base64', () => {
    const good = randomBytes(32).toString('base64');
    expect(() => keys(good)).toThrow(/PAYLOAD_KEYS: entry 1 is not id:base64key/);
    expect(() => keys(`a:${good},a:${good}`)).toThrow(/PAYLOAD_KEYS: key id "a" is listed twice/);
    expect(() => keys('a:not base64!')).toThrow(/PAYLOAD_KEYS: key "a" is not base64/);
  });

  it('reads PAYLOAD_KEYS_FILE as a secret file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-keys-'));
    const file = path.join(dir, 'keys');
    fs.writeFileSync(file, `${formatPayloadKeys([keyA])}\n`);
    expect(loadConfig({ PAYLOAD_KEYS_FILE: file }).payloadKeys).toEqual([keyA]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the local payload key (PAYLOAD_KEYS not set)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-data-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('is generated into the data folder once, readable by its owner only, and read by every later process', () => {
    const first = ensureLocalPayloadKeys(dataDir);
    expect(first.created).toBe(true);
    expect(first.file).toBe(localPayloadKeysFile(dataDir));
    expect(fs.statSync(first.file).mode & 0o077).toBe(0);
    const later = payloadKeysFor({ dataDir, appEnv: 'dev' });
    expect(later).toEqual({ keys: first.keys, from: first.file, created: false });
    expect(fs.readdirSync(dataDir)).toEqual(['payload-keys']);
  });

  it('is never made up outside dev: staging and prod need PAYLOAD_KEYS', () => {
    expect(() => payloadKeysFor({ dataDir, appEnv: 'prod' })).toThrow(/PAYLOAD_KEYS \(or PAYLOAD_KEYS_FILE\) is not set/);
    expect(fs.existsSync(localPayloadKeysFile(dataDir))).toBe(false);
  });

  it('gives way to PAYLOAD_KEYS', () => {
    expect(payloadKeysFor({ dataDir, appEnv: 'prod', payloadKeys: [keyA] })).toEqual({ keys: [keyA], from: 'PAYLOAD_KEYS', created: false });
    expect(fs.existsSync(localPayloadKeysFile(dataDir))).toBe(false);
  });
});
