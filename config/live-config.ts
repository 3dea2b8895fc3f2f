import Consul from 'consul';
import { consulOptions } from './consul';
import type { Logger } from '../logging';
import { loadConfig, type Config } from './index';
import { isLiveSetting, kvSettingProblem } from './settings';
import { isSet } from './sources';

/**
 * The configuration a running process follows: `current()` is always the last good one, `onChange` hears of each
 * change to a live setting (see config/settings.ts). Factories take one of these where they need a live value.
 */
export interface LiveConfig<C = Config> {
  current(): C;
  /** Called after a live setting changed, with the names that changed; answers a function that stops listening. */
  onChange(listener: (config: C, changed: string[]) => void): () => void;
  close(): void;
}

/** A configuration that never changes: no Consul, or a test that sets what it needs. */
export function staticLiveConfig<C>(config: C): LiveConfig<C> {
  return { current: () => config, onChange: () => () => undefined, close: () => undefined };
}

const reconnectMs = 1_000;

/** Where a process's settings live in KV: `purchase-saga/<APP_ENV>/<NAME>`. */
export const kvPrefix = (appEnv: string) => `purchase-saga/${appEnv}/`;

interface KvItem {
  Key: string;
  Value: string | null;
}

/** KV items under `prefix` as name → text (folders and nested keys are not settings). */
export function settingsFromKv(items: KvItem[] | KvItem | null | undefined, prefix: string): Record<string, string> {
  const list = Array.isArray(items) ? items : items ? [items] : [];
  const values: Record<string, string> = {};
  for (const item of list) {
    if (typeof item?.Key !== 'string') continue;
    const name = item.Key.slice(prefix.length);
    if (!item.Key.startsWith(prefix) || !name || name.includes('/')) continue;
    values[name] = item.Value ?? '';
  }
  return values;
}

/**
 * Reads the environment and, with `CONSUL_HTTP_ADDR`, the process's KV folder, then keeps watching that folder with
 * Consul blocking queries (a change arrives in well under a second). A KV value is checked on its own with the
 * environment's schema: a bad one is refused and logged with its key, and the last good value stays in force. A change
 * to a setting that is not live is logged as applying at the next start. While the agent is away the last good
 * configuration stays; the watch resumes when it answers. `logger`'s level follows `LOG_LEVEL`.
 */
export async function startLiveConfig(options: {
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** How long start-up waits for a first KV answer before it goes on with the environment and the defaults. */
  firstReadTimeoutMs?: number;
}): Promise<LiveConfig> {
  const { env = process.env, logger } = options;
  const initial = loadConfig(env);
  if (!initial.consulAddress) return staticLiveConfig(initial);

  const address = initial.consulAddress;
  const prefix = kvPrefix(initial.appEnv);
  const consul = new Consul(consulOptions(address, { token: initial.consulToken }));
  const listeners = new Set<(config: Config, changed: string[]) => void>();
  /** KV values that passed their check, by name: the last good value of each. */
  const accepted: Record<string, string> = {};
  /** What KV held (accepted) at start for settings that are not live: those stay until the next start. */
  let atStart: Record<string, string> | undefined;
  let seen: Record<string, string> = {};
  let config = initial;
  let away = false;

  const combinationProblem = (kv: Record<string, string>) => {
    try {
      loadConfig(env, kv);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };

  const kvInForce = () => {
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(atStart ?? accepted)) if (!isLiveSetting(name)) values[name] = value;
    for (const [name, value] of Object.entries(accepted)) if (isLiveSetting(name)) values[name] = value;
    return values;
  };

  const apply = (kv: Record<string, string>) => {
    const starting = atStart === undefined;
    for (const name of new Set([...Object.keys(seen), ...Object.keys(kv)])) {
      if (seen[name] === kv[name]) continue;
      const key = `${prefix}${name}`;
      if (!(name in kv)) {
        delete accepted[name];
      } else {
        // Checked alone (type and bounds), then with the other good values (bounds between settings, such as a
        // retry interval at most its maximum).
        const problem = kvSettingProblem(name, kv[name]) ?? combinationProblem({ ...accepted, [name]: kv[name] });
        if (problem) {
          logger.error({ key, reason: problem }, `Refused the value of ${key}: ${problem}; the last good value stays`);
          continue;
        }
        accepted[name] = kv[name];
      }
      if (isSet(env[name])) {
        logger.info({ key }, `${key} changed, but ${name} is set in the environment, which wins over KV`);
      } else if (!starting && !isLiveSetting(name)) {
        logger.warn({ key }, `${key} changed; ${name} applies at the next start of this process`);
      }
    }
    seen = kv;
    if (starting) atStart = { ...accepted };
    let next: Config;
    try {
      next = loadConfig(env, kvInForce());
    } catch (error) {
      logger.error({ err: error }, 'The configuration from KV does not hold together; the last good one stays');
      return;
    }
    const changed = Object.keys(next).filter(
      (field) => JSON.stringify(next[field as keyof Config]) !== JSON.stringify(config[field as keyof Config]),
    );
    config = next;
    if (next.logLevel !== logger.level) logger.level = next.logLevel;
    if (changed.length === 0 || starting) return;
    logger.info({ changed }, 'Live configuration changed');
    for (const listener of listeners) listener(config, changed);
  };

  let closed = false;
  let watch: ReturnType<Consul['watch']>;
  let signalFirstRead: () => void = () => undefined;
  const firstRead = new Promise<void>((resolve) => {
    signalFirstRead = resolve;
    setTimeout(resolve, options.firstReadTimeoutMs ?? 3_000).unref();
  });
  // Blocking queries on the folder: Consul answers as soon as anything under it changes (or after `wait`).
  const openWatch = () => {
    watch = consul.watch({ method: consul.kv.get, options: { key: prefix, recurse: true, wait: '30s' } as never });
    watch.on('change', (items: KvItem[] | KvItem | undefined) => {
      // A connection reset can come back as the error's shape ({code}): that is the agent away, not an empty folder.
      if (items && !Array.isArray(items) && typeof items.Key !== 'string') return;
      if (away) logger.info({ consul: address }, 'Consul KV answers again');
      away = false;
      apply(settingsFromKv(items, prefix));
      signalFirstRead();
    });
    watch.on('error', (error: Error) => {
      signalFirstRead();
      if (!away) {
        away = true;
        logger.warn({ consul: address, err: error.message }, 'Consul KV does not answer; the last good configuration stays');
      }
      // A fresh watch asks from index 0: an agent that comes back without its state counts from a lower index, which
      // a watch holding the old one would wait on for a whole blocking period.
      watch.end();
      if (!closed) setTimeout(openWatch, reconnectMs).unref();
    });
  };
  openWatch();
  await firstRead;
  if (atStart === undefined) atStart = {};

  return {
    current: () => config,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      closed = true;
      watch.end();
    },
  };
}
