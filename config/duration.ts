import ms from 'ms';

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
