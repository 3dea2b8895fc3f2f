import { envSchema } from './index';
import { redactUrl } from './redact-url';
import { isSecretName, secretNames } from './secret-files';
import { sourceOf, type SettingSource } from './sources';

export type SettingName = keyof typeof envSchema.shape;
export const settingNames = Object.keys(envSchema.shape) as SettingName[];
const isSettingName = (name: string): name is SettingName => name in envSchema.shape;

/**
 * The settings a running process follows when they change in Consul KV; every other one is read at start.
 * `PURCHASE_CANCEL_WINDOW` goes into each new workflow's input, so it applies to purchases started after the change.
 */
export const liveSettingNames: readonly SettingName[] = [
  'RATE_LIMIT_PER_MINUTE',
  'PURCHASE_CANCEL_WINDOW',
  'CARRIER_DAILY_CAPACITY',
  'LOG_LEVEL',
  ...settingNames.filter((name) => name.startsWith('LOGIN_')),
];
export const isLiveSetting = (name: string) => (liveSettingNames as readonly string[]).includes(name);

/** Settings that say which KV folder to read, so KV cannot set them. */
const readBeforeKv: readonly string[] = ['APP_ENV', 'CONSUL_HTTP_ADDR'];
/** Settings of one instance alone: from KV, every instance would take the same (one address, one id for all). */
const perInstance: readonly string[] = ['SERVICE_ADDRESS', 'POD_NAME'];

/**
 * Why a value read from KV cannot be used, or undefined when it can. The check is the environment's own schema, so
 * a value means the same from either place. Secrets are refused: KV is for settings, files for secrets.
 */
export function kvSettingProblem(name: string, value: string): string | undefined {
  if (isSecretName(name)) return `${name} is a secret: give it as ${name} or ${name}_FILE in the environment, not in KV`;
  if (!isSettingName(name)) return `${name} is not a setting of this system`;
  if (readBeforeKv.includes(name)) return `${name} says where KV is: set it in the environment`;
  if (perInstance.includes(name)) return `${name} belongs to one instance: set it in that process's environment`;
  const parsed = envSchema.shape[name].safeParse(value);
  return parsed.success ? undefined : parsed.error.issues.map((issue) => issue.message).join('; ');
}

export interface EffectiveSetting {
  name: string;
  /** The text in force, secrets masked; undefined when nothing sets it and it has no default. */
  value: string | undefined;
  source: SettingSource;
  live: boolean;
}

/** What a secret may show: that it is set and, for a URL, where it points; never the password or key. */
export function maskSecret(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrl(value) : '***';
}

/** Each setting with the value in force and where it came from (`npm run config -- show`). */
export function effectiveSettings(env: NodeJS.ProcessEnv, kv: Readonly<Record<string, string>>): EffectiveSetting[] {
  const names = [...new Set<string>([...settingNames, ...secretNames])];
  return names.map((name) => {
    const source = sourceOf(name, env, kv);
    let value: string | undefined;
    if (source === 'env') value = env[name] ?? (env[`${name}_FILE`] ? `(from ${env[`${name}_FILE`]})` : undefined);
    else if (source === 'kv') value = kv[name];
    else if (isSettingName(name)) {
      const fallback = envSchema.shape[name].safeParse(undefined);
      value = fallback.success && fallback.data !== undefined ? String(fallback.data) : undefined;
    }
    if (value !== undefined && !value.startsWith('(from ')) {
      // A URL that is not a secret may still carry a password: that part is masked too.
      value = isSecretName(name) ? maskSecret(value) : /:\/\/[^/@]*:[^/@]*@/.test(value) ? redactUrl(value) : value;
    }
    return { name, value, source, live: isLiveSetting(name) };
  });
}
