/**
 * `npm run bench:codec [-- --iterations N] [--history FILE…]`: what the payload codec (codec/encryption-codec.ts) costs
 * one purchase. It takes every payload of a recorded purchase (test/fixtures/histories, written decoded) that the SDK
 * passes through the codec (all but headers and search attributes), grouped per call as the history holds them, and
 * encodes and decodes them N times in this process, with the JSON payload converter's work on the same values beside
 * it. Per purchase: CPU time (process.cpuUsage) and wall time (performance.now), bytes before and after. The codec does
 * not compress; a deflate of each payload before encryption is measured for comparison only.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec } from '../codec/encryption-codec';
import { payloadFromJson, type JsonPayload } from '../codec/payload-json';
import { projectRoot } from '../config';

const fixtures = path.join(projectRoot, 'test', 'fixtures', 'histories');
const defaultHistories = ['completed-after-window', 'cancelled-by-signal', 'refused-out-of-stock'].map((scenario) =>
  path.join(fixtures, `${scenario}.record-failures.json`),
);

// A payload of no data (an activity's undefined result: binary/null) has no `data` in protobuf's JSON form.
const isPayload = (value: any): value is JsonPayload =>
  value !== null && typeof value === 'object' && typeof value.metadata?.encoding === 'string' && Object.keys(value).every((key) => key === 'metadata' || key === 'data');

/**
 * The payloads of a history in the groups the SDK hands the codec: a `payloads` list in one call, any other payload
 * (a memo field, a summary, a failure's details) alone. Headers and search attributes never pass through the codec,
 * nor the details Temporal's core writes into its markers (a local activity's `data`, a patch's `patch-data`): of a
 * marker's details only the local activity's `result` is the workflow's own (checked against a real encrypted history).
 */
function payloadGroups(history: unknown): Payload[][] {
  const groups: Payload[][] = [];
  const visit = (value: any, parent?: string) => {
    if (Array.isArray(value)) return value.forEach((inner) => visit(inner));
    if (value === null || typeof value !== 'object') return;
    if (isPayload(value)) return void groups.push([payloadFromJson(value)]);
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'header' || key === 'searchAttributes') continue;
      if (parent === 'markerRecordedEventAttributes' && key === 'details') {
        visit({ result: (inner as Record<string, unknown>).result });
        continue;
      }
      if (key === 'payloads' && Array.isArray(inner) && inner.every(isPayload)) groups.push(inner.map(payloadFromJson));
      else visit(inner, key);
    }
  };
  visit(history);
  return groups.filter((group) => group.length > 0);
}

const protoBytes = (payload: Payload) => temporal.api.common.v1.Payload.encode(payload).finish().length;
const dataBytes = (payload: Payload) => payload.data?.length ?? 0;

interface Cost {
  cpuMs: number;
  wallMs: number;
}

/** Runs `job` `warmup` times unmeasured (JIT), then `iterations` times; answers CPU and wall milliseconds per run. */
async function measure(iterations: number, job: () => Promise<unknown> | unknown, warmup = Math.min(200, iterations)): Promise<Cost> {
  for (let run = 0; run < warmup; run += 1) await job();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (let run = 0; run < iterations; run += 1) await job();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / iterations, wallMs: wallMs / iterations };
}

async function main() {
  const { values, positionals } = parseArgs({
    options: { iterations: { type: 'string', default: '2000' } },
    allowPositionals: true,
  });
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations must be a positive integer, not ${values.iterations}`);
  const histories = positionals.length > 0 ? positionals.map((file) => path.resolve(file)) : defaultHistories;
  // A key id as long as the local key's (local-YYYY-MM-DD-xxxxxx): every encrypted payload carries it.
  const codec = new EncryptionCodec([{ id: 'local-2026-12-05-bench0', key: randomBytes(32) }]);
  const ms = (value: number) => value.toFixed(3).padStart(8);

  console.log(`${iterations} runs per figure, after ${Math.min(200, iterations)} unmeasured; ${os.cpus().length} cores; node ${process.version}; load ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  console.log('per purchase: CPU ms and wall ms of the work in this process; bytes as protobuf payloads (metadata and data)');
  console.log(
    `${'history'.padEnd(26)} ${'payloads'.padStart(8)} ${'calls'.padStart(5)}  ${'work'.padEnd(34)} ${'CPU ms'.padStart(8)} ${'wall ms'.padStart(8)}  bytes`,
  );
  for (const file of histories) {
    const groups = payloadGroups(JSON.parse(fs.readFileSync(file, 'utf8')));
    const payloads = groups.flat();
    const encrypted = await Promise.all(groups.map((group) => codec.encode(group)));
    const plainBytes = payloads.reduce((sum, payload) => sum + protoBytes(payload), 0);
    const sealedBytes = encrypted.flat().reduce((sum, payload) => sum + protoBytes(payload), 0);
    const values = payloads.map((payload) => defaultPayloadConverter.fromPayload(payload));
    const deflated = payloads.map((payload) => deflateRawSync(temporal.api.common.v1.Payload.encode(payload).finish()));
    const deflatedBytes = deflated.reduce((sum, bytes) => sum + bytes.length, 0);

    const rows: [string, Cost, string][] = [
      ['codec encode (AES-256-GCM)', await measure(iterations, () => Promise.all(groups.map((group) => codec.encode(group)))), `${plainBytes} -> ${sealedBytes}`],
      ['codec decode', await measure(iterations, () => Promise.all(encrypted.map((group) => codec.decode(group)))), `${sealedBytes} -> ${plainBytes}`],
      [
        'codec encode + decode',
        await measure(iterations, async () => {
          for (const group of groups) await codec.decode(await codec.encode(group));
        }),
        `+${sealedBytes - plainBytes} (${((sealedBytes / plainBytes - 1) * 100).toFixed(0)} %)`,
      ],
      [
        'for scale: JSON converter to+from',
        await measure(iterations, () => values.map((value) => defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(value)))),
        `data ${payloads.reduce((sum, payload) => sum + dataBytes(payload), 0)}`,
      ],
      [
        'not done: deflate + inflate',
        await measure(iterations, () =>
          payloads.forEach((payload) => inflateRawSync(deflateRawSync(temporal.api.common.v1.Payload.encode(payload).finish()))),
        ),
        `${plainBytes} -> ${deflatedBytes} (${((deflatedBytes / plainBytes - 1) * 100).toFixed(0)} %)`,
      ],
    ];
    const name = path.basename(file, '.json').replace(/\.record-failures$/, '');
    rows.forEach(([work, cost, bytes], index) => {
      const lead = index === 0 ? `${name.padEnd(26)} ${String(payloads.length).padStart(8)} ${String(groups.length).padStart(5)}` : ' '.repeat(41);
      console.log(`${lead}  ${work.padEnd(34)} ${ms(cost.cpuMs)} ${ms(cost.wallMs)}  ${bytes}`);
    });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
