import ms from 'ms';
import { z } from 'zod';

/**
 * A duration's text ("30s", "2500ms", "0") in milliseconds, or undefined when it is not one. `ms` throws on an empty
 * or over-long string instead of answering NaN; a schema must never throw, so every duration is read through here.
 */
export function parseDuration(text: string): number | undefined {
  let value: unknown;
  try {
    value = ms(text as ms.StringValue);
  } catch {
    return undefined;
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The longest delay a Node.js timer holds: `setTimeout` (and every timer built on it, such as an in-memory counter's
 * expiry) fires after 1 ms for anything longer, so a duration that feeds one must stay at or below it (about 24.8 days).
 */
export const maxTimerMs = 2 ** 31 - 1;

/** A duration setting's bounds, as text in the setting's own form ("1s", "24d"); both ends included. */
export interface DurationBounds {
  min: string;
  max: string;
}

/** The bounds a duration schema carries (for the table of bounds), found through its default and other wrappers. */
export const durationBoundsMeta = z.registry<DurationBounds>();

const durationHint = 'must be a duration such as "30s", "2s", "500ms" or "0"';

/**
 * A duration setting between `min` and `max` (both included): the text is kept as given, the schema refuses what is
 * not a duration or lies outside the bounds, naming the bound in its message.
 */
export function boundedDuration(bounds: DurationBounds) {
  const minMs = parseDuration(bounds.min);
  const maxMs = parseDuration(bounds.max);
  if (minMs === undefined || maxMs === undefined || minMs > maxMs) {
    throw new Error(`Bad duration bounds ${bounds.min}..${bounds.max}`);
  }
  const schema = z.string().superRefine((value, context) => {
    const valueMs = parseDuration(value);
    if (valueMs === undefined) context.addIssue({ code: 'custom', message: durationHint });
    else if (valueMs < minMs) context.addIssue({ code: 'custom', message: `must be at least ${bounds.min} (got ${value})` });
    else if (valueMs > maxMs) context.addIssue({ code: 'custom', message: `must be at most ${bounds.max} (got ${value})` });
  });
  durationBoundsMeta.add(schema, bounds);
  return schema;
}
