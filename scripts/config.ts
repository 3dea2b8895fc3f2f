/**
 * `npm run config -- push --env staging`: loads the checked-in defaults of an environment into Consul KV
 * (`purchase-saga/<env>/<NAME>`). `npm run config -- show [--env dev] [--json]`: the effective configuration of a
 * process started here now, each value with where it came from (env, kv or default), secrets masked.
 * Consul is found at CONSUL_HTTP_ADDR (default 127.0.0.1:8500).
 */
import Consul from 'consul';
import { loadConfig } from '../config';
import { environmentDefaults } from '../config/environments';
import { kvPrefix, settingsFromKv } from '../config/live-config';
import { effectiveSettings } from '../config/settings';
import { consulOptions } from '../config/consul';

const usage = 'usage: npm run config -- push --env <dev|staging|prod> | show [--env <env>] [--json]';

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index >= 0) return argv[index + 1];
  return argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function push(consul: Consul, appEnv: string) {
  const defaults = environmentDefaults(appEnv);
  const prefix = kvPrefix(appEnv);
  for (const [name, value] of Object.entries(defaults)) await consul.kv.set(`${prefix}${name}`, value);
  console.log(`Pushed ${Object.keys(defaults).length} settings of ${appEnv} to ${prefix} (config/environments/${appEnv}.json)`);
}

async function show(consul: Consul | undefined, address: string, appEnv: string, json: boolean) {
  let kv: Record<string, string> = {};
  let note: string | undefined;
  const prefix = kvPrefix(appEnv);
  if (consul) {
    try {
      kv = settingsFromKv((await consul.kv.get({ key: prefix, recurse: true })) as never, prefix);
    } catch (error) {
      note = `Consul at ${address} does not answer (${error instanceof Error ? error.message : error}): KV not read`;
    }
  } else {
    note = 'CONSUL_HTTP_ADDR is not set: no KV';
  }
  const env = process.env.APP_ENV === appEnv || !process.env.APP_ENV && appEnv === 'dev' ? process.env : { ...process.env, APP_ENV: appEnv };
  const settings = effectiveSettings(env, kv);
  if (json) {
    console.log(JSON.stringify({ appEnv, kvPrefix: prefix, note, settings }, null, 2));
    return;
  }
  if (note) console.log(`# ${note}`);
  console.log(`# APP_ENV=${appEnv}, KV under ${prefix}; live settings change in running processes`);
  const width = Math.max(...settings.map((setting) => setting.name.length));
  for (const setting of settings) {
    const value = setting.value ?? '(unset)';
    console.log(`${setting.name.padEnd(width)}  ${setting.source.padEnd(7)}  ${setting.live ? 'live ' : '     '}  ${value}`);
  }
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  // The environment must parse as it would for a process (secret files included), else show would lie.
  const config = loadConfig();
  const appEnv = option(rest, 'env') ?? config.appEnv;
  const address = config.consulAddress ?? (command === 'push' ? '127.0.0.1:8500' : undefined);
  const consul = address ? new Consul(consulOptions(address, { token: config.consulToken, timeoutMs: 5_000 })) : undefined;
  if (command === 'push') {
    if (!option(rest, 'env')) throw new Error(`push needs --env; ${usage}`);
    await push(consul!, appEnv);
  } else if (command === 'show') {
    await show(consul, address ?? '', appEnv, rest.includes('--json'));
  } else {
    throw new Error(usage);
  }
}

main().catch((error) => {
  console.error(`[config] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
