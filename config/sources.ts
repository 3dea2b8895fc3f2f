/** Where a setting's value came from, in order of precedence. */
export type SettingSource = 'env' | 'kv' | 'default';

/** Set and not blank: an empty variable (as Compose and Helm often pass them) means "not set". */
export const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * The environment over Consul KV: a KV setting counts only where the process's own environment leaves that name
 * unset. Blank variables are dropped so that KV, then the built-in default, applies to them.
 */
export function withSettingsFrom(env: NodeJS.ProcessEnv, kv: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (isSet(value)) merged[name] = value;
  for (const [name, value] of Object.entries(kv)) if (!isSet(env[name])) merged[name] = value;
  return merged;
}

/** Which source gives `name` its value. */
export function sourceOf(name: string, env: NodeJS.ProcessEnv, kv: Readonly<Record<string, string>>): SettingSource {
  if (isSet(env[name]) || isSet(env[`${name}_FILE`])) return 'env';
  if (name in kv) return 'kv';
  return 'default';
}
