import fs from 'node:fs';
import { loadConfig, ConfigError } from '../../../config';
import { allSettingBounds, boundsDocPath, renderBoundsTable, type SettingBounds } from '../../../config/bounds';
import { maxTimerMs, parseDuration } from '../../../config/duration';
import { kvSettingProblem } from '../../../config/settings';

/** Settings set alongside each probe, so that a probe of one end is not refused for another setting's sake. */
const roomy = (name: string): Record<string, string> =>
  name === 'ACTIVITY_RETRY_MAX_INTERVAL' ? { ACTIVITY_RETRY_INITIAL_INTERVAL: '10ms' } : { ACTIVITY_RETRY_MAX_INTERVAL: '1d' };

/** The error loadConfig throws for `env`, or undefined when it accepts it. */
function refusal(env: Record<string, string>): Error | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** Values just outside a setting's bounds (or of a kind it never takes). */
function outside(bounds: SettingBounds): string[] {
  switch (bounds.kind) {
    case 'duration': {
      const min = parseDuration(bounds.min!)!;
      const max = parseDuration(bounds.max!)!;
      return [`${min - 1}ms`, `${max + 1}ms`, 'soon'];
    }
    case 'integer':
      return [String(Number(bounds.min) - 1), String(Number(bounds.max) + 1), '1.5', 'many'];
    case 'one of':
      return ['not-one-of-them'];
    case 'URL':
      return ['not a url', `http://example.com/${'x'.repeat(Number(bounds.max))}`];
    case 'text':
      return ['x'.repeat(Number(bounds.max) + 1)];
    case 'addresses':
      return ['proxy.internal', '10.0.0.0/33', '10.0.0.1,'.repeat(Math.ceil((Number(bounds.max) + 1) / 9))];
  }
}

/** Each end of a setting's bounds, which it accepts. */
function ends(bounds: SettingBounds): string[] {
  switch (bounds.kind) {
    case 'duration':
    case 'integer':
      return [bounds.min!, bounds.max!];
    case 'one of':
      return bounds.options!;
    case 'URL':
      return ['http://example.com/'];
    case 'text':
      return ['x'.repeat(Number(bounds.max))];
    case 'addresses':
      // The longest list it takes: as many addresses as fit, blanks to the last character.
      return ['', '10.0.0.1,'.repeat(Math.floor(Number(bounds.max) / 9)).padEnd(Number(bounds.max), ' ')];
  }
}

describe('the bounds of every setting', () => {
  const all = allSettingBounds();

  it('gives every setting bounds: a minimum and a maximum, or the list of its values', () => {
    expect(all.length).toBeGreaterThan(30);
    for (const bounds of all) {
      if (bounds.kind === 'one of') expect(bounds.options?.length).toBeGreaterThan(0);
      else expect({ name: bounds.name, min: bounds.min, max: bounds.max }).toEqual({ name: bounds.name, min: expect.any(String), max: expect.any(String) });
    }
  });

  it.each(all.map((bounds) => [bounds.name, bounds] as const))('refuses %s outside its bounds at start, naming it', (name, bounds) => {
    for (const value of outside(bounds)) {
      const error = refusal({ ...roomy(name), [name]: value });
      expect({ value, error: error?.message }).toEqual({ value, error: expect.stringContaining(`${name}:`) });
      expect(error).toBeInstanceOf(ConfigError);
      if (!bounds.secret) expect({ value, problem: kvSettingProblem(name, value) }).toEqual({ value, problem: expect.any(String) });
    }
    for (const value of ends(bounds)) {
      expect({ value, error: refusal({ ...roomy(name), [name]: value })?.message }).toEqual({ value, error: undefined });
    }
  });

  it('keeps every duration that feeds a timer within what a Node.js timer holds', () => {
    const config = loadConfig({ LOGIN_FAILURE_MEMORY: '24d', LOGIN_MAX_DELAY: '24d', LOGIN_CLIENT_WINDOW: '24d' });
    for (const value of Object.values(config.loginThrottle).filter((_, index) => index !== 0 && index !== 3)) {
      expect(value).toBeLessThanOrEqual(maxTimerMs);
    }
    for (const name of ['LOGIN_FAILURE_MEMORY', 'LOGIN_MAX_DELAY', 'LOGIN_CLIENT_WINDOW']) {
      expect(refusal({ [name]: '30d' })?.message).toMatch(new RegExp(`${name}: must be at most 24d`));
      expect(kvSettingProblem(name, '30d')).toMatch(/at most 24d/);
    }
  });

  it('refuses a retry interval that is zero or above its maximum, and a cancel window longer than a day', () => {
    expect(refusal({ ACTIVITY_RETRY_INITIAL_INTERVAL: '0' })?.message).toMatch(/ACTIVITY_RETRY_INITIAL_INTERVAL: must be at least 10ms/);
    expect(refusal({ ACTIVITY_RETRY_INITIAL_INTERVAL: '1m' })?.message).toMatch(
      /ACTIVITY_RETRY_INITIAL_INTERVAL: must be at most ACTIVITY_RETRY_MAX_INTERVAL \(30s\)/,
    );
    expect(refusal({ ACTIVITY_RETRY_INITIAL_INTERVAL: '30s' })).toBeUndefined();
    expect(refusal({ ACTIVITY_RETRY_INITIAL_INTERVAL: '2s', ACTIVITY_RETRY_MAX_INTERVAL: '1s' })?.message).toMatch(
      /ACTIVITY_RETRY_INITIAL_INTERVAL/,
    );
    expect(refusal({ PURCHASE_CANCEL_WINDOW: '100y' })?.message).toMatch(/PURCHASE_CANCEL_WINDOW: must be at most 1d/);
    expect(kvSettingProblem('PURCHASE_CANCEL_WINDOW', '100y')).toMatch(/at most 1d/);
    expect(refusal({ PURCHASE_CANCEL_WINDOW: '0' })).toBeUndefined();
  });

  it('are written in docs/configuration-bounds.md exactly as the schema says (npx tsx config/bounds.ts rewrites it)', () => {
    expect(fs.readFileSync(boundsDocPath, 'utf8')).toBe(renderBoundsTable());
    for (const bounds of all) expect(renderBoundsTable()).toContain(`| \`${bounds.name}\` |`);
  });
});
