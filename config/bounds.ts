import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { durationBoundsMeta } from './duration';
import { envSchema, projectRoot } from './index';
import { isSecretName } from './secret-files';
import { isLiveSetting, settingNames, type SettingName } from './settings';
import { addressListMeta } from './trusted-proxies';

/** What values a setting takes, read from its schema: the one source of the table in docs/configuration-bounds.md. */
export interface SettingBounds {
  name: SettingName;
  kind: 'duration' | 'integer' | 'one of' | 'URL' | 'text' | 'addresses';
  /** Inclusive; for text, its length in characters. Undefined where the kind leaves no bound (one of). */
  min?: string;
  max?: string;
  options?: string[];
  /** The built-in default's text, or undefined when the setting is optional and unset by default. */
  defaultValue?: string;
  live: boolean;
  secret: boolean;
}

type Inspected = { _zod: { def: { type: string; innerType?: Inspected; in?: Inspected; out?: Inspected } } } & {
  minValue?: number | null;
  maxValue?: number | null;
  minLength?: number | null;
  maxLength?: number | null;
  format?: string | null;
  options?: string[];
};

/** The schema and every schema it wraps (default, optional, both ends of a pipe), outermost first. */
function layers(schema: z.ZodType): Inspected[] {
  const found: Inspected[] = [];
  const queue: (Inspected | undefined)[] = [schema as unknown as Inspected];
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next) continue;
    found.push(next);
    queue.push(next._zod.def.innerType, next._zod.def.in, next._zod.def.out);
  }
  return found;
}

export function boundsOf(name: SettingName): SettingBounds {
  const schema = envSchema.shape[name] as z.ZodType;
  const all = layers(schema);
  const fallback = schema.safeParse(undefined);
  const defaultValue = fallback.success && fallback.data !== undefined ? String(fallback.data) : undefined;
  const base = { name, defaultValue, live: isLiveSetting(name), secret: isSecretName(name) };
  for (const layer of all) {
    const duration = durationBoundsMeta.get(layer as unknown as z.ZodType);
    if (duration) return { ...base, kind: 'duration', min: duration.min, max: duration.max };
  }
  for (const layer of all) {
    const list = addressListMeta.get(layer as unknown as z.ZodType);
    if (list) return { ...base, kind: 'addresses', min: '0', max: String(list.maxLength) };
  }
  const enumLayer = all.find((layer) => layer._zod.def.type === 'enum');
  if (enumLayer) return { ...base, kind: 'one of', options: enumLayer.options };
  const number = all.find((layer) => layer._zod.def.type === 'number');
  if (number) return { ...base, kind: 'integer', min: text(number.minValue), max: text(number.maxValue) };
  const strings = all.filter((layer) => layer._zod.def.type === 'string');
  const isUrl = strings.some((layer) => layer.format === 'url');
  const lengths = strings.filter((layer) => layer.maxLength !== null && layer.maxLength !== undefined);
  const min = Math.max(0, ...strings.map((layer) => layer.minLength ?? 0));
  const max = lengths.length > 0 ? Math.min(...lengths.map((layer) => layer.maxLength as number)) : undefined;
  return { ...base, kind: isUrl ? 'URL' : 'text', min: String(min), max: max === undefined ? undefined : String(max) };
}

const text = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) ? undefined : String(value);

/** Every setting's bounds, in the schema's order. */
export function allSettingBounds(): SettingBounds[] {
  return settingNames.map(boundsOf);
}

/** The Markdown of docs/configuration-bounds.md, generated from the schema (`npx tsx config/bounds.ts` writes it). */
export function renderBoundsTable(): string {
  const cell = (value: string | undefined) => (value === undefined ? '' : `\`${value}\``);
  const rows = allSettingBounds().map((bounds) => {
    const kind = ['text', 'URL', 'addresses'].includes(bounds.kind) ? `${bounds.kind} (length)` : bounds.kind;
    const range =
      bounds.kind === 'one of'
        ? [(bounds.options ?? []).map((option) => `\`${option}\``).join(', '), '']
        : [cell(bounds.min), cell(bounds.max)];
    const notes = [bounds.live ? 'live' : '', bounds.secret ? 'secret (`_FILE` too; never from KV)' : '']
      .filter(Boolean)
      .join(', ');
    const defaultValue = bounds.defaultValue === undefined ? 'unset' : bounds.secret ? '' : cell(bounds.defaultValue);
    return `| \`${bounds.name}\` | ${kind} | ${range[0]} | ${range[1]} | ${defaultValue} | ${notes} |`;
  });
  return [
    '# Configuration bounds',
    '',
    '<!-- Generated from config/index.ts by `npx tsx config/bounds.ts`; test/unit/config/bounds.test.ts fails when it',
    '     differs from the schema. Do not edit by hand. -->',
    '',
    'Every setting the processes read, with the values it accepts (both ends included). A value outside them is refused',
    'at start with the setting\'s name, and refused live from Consul KV (logged with the key; the last good value stays).',
    'Durations are written as `ms` reads them (`500ms`, `30s`, `15m`, `2h`, `7d`, `0`). A duration that feeds a Node.js',
    'timer is at most `24d`: a timer holds at most 2^31-1 ms (about 24.8 days) and fires at once for anything longer.',
    'For text, the minimum and maximum are its length in characters. `addresses` are comma-separated IPv4 or IPv6',
    'addresses and CIDR ranges (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`); each entry is checked.',
    '',
    '| Setting | Kind | Minimum | Maximum | Default | Notes |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Between settings:',
    '',
    '- `ACTIVITY_RETRY_INITIAL_INTERVAL` is at most `ACTIVITY_RETRY_MAX_INTERVAL`.',
    '- `SESSION_TTL` (the sliding lifetime) never takes a session past `SESSION_MAX_AGE` from its sign-in; a larger',
    '  `SESSION_TTL` has no further effect.',
    '',
    'Temporal\'s connection settings (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`,',
    '`TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`) are read as the Temporal CLI reads them (config/temporal.ts) and',
    'checked when the process connects.',
    '',
  ].join('\n');
}

export const boundsDocPath = path.join(projectRoot, 'docs', 'configuration-bounds.md');

if (require.main === module) {
  fs.mkdirSync(path.dirname(boundsDocPath), { recursive: true });
  fs.writeFileSync(boundsDocPath, renderBoundsTable());
  console.log(`Wrote ${path.relative(projectRoot, boundsDocPath)}`);
}
