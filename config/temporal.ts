import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/** The local dev server `npm start` runs when no Temporal is named. */
export const defaultTemporalAddress = '127.0.0.1:7233';
export const defaultTemporalNamespace = 'default';

/** `host:port` of a Temporal address (IPv6 hosts in brackets); the port defaults to 7233, the host to loopback. */
export function hostAndPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (match) return { host: match[1] || '127.0.0.1', port: Number(match[2]) };
  return { host: address.replace(/^\[|\]$/g, '') || '127.0.0.1', port: 7233 };
}

/**
 * How every process reaches Temporal: the gateway's client, each worker, `npm start`'s probe and the CLI calls. Read
 * the way the Temporal CLI and SDKs read it (`@temporalio/envconfig`): `TEMPORAL_*` variables over the TOML profile
 * (`TEMPORAL_CONFIG_FILE`, `TEMPORAL_PROFILE`, else `~/.config/temporalio/temporal.toml`) over the defaults, so one
 * set of settings serves this system and `temporal workflow signal …` alike.
 */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** True when anything names a server: an address or a profile. Then `npm start` starts no dev server. */
  explicit: boolean;
  profile: string;
  apiKey?: string;
  /** `false`: plain text; `undefined`: plain text, nothing asked for TLS; an object: TLS with these files. */
  tls: TLSConfig | boolean | undefined;
  metadata?: Record<string, string>;
  /** Which settings were given, for messages: names only, never values. */
  given: TemporalSetting[];
}

export type TemporalSetting =
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CLIENT_CERT'
  | 'TEMPORAL_TLS_CLIENT_KEY'
  | 'TEMPORAL_TLS_SERVER_CA_CERT'
  | 'TEMPORAL_TLS_SERVER_NAME';

export class TemporalSettingsError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
}

/** Empty variables (as Compose and Helm often pass them) mean "not set", as they do for the CLI in practice. */
function presentValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') values[name] = value;
  return values;
}

export function loadTemporalConnection(env: NodeJS.ProcessEnv = process.env): TemporalConnectionSettings {
  const values = presentValues(env);
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: values });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const file = values.TEMPORAL_CONFIG_FILE ? ` (${values.TEMPORAL_CONFIG_FILE})` : '';
    throw new TemporalSettingsError(`Cannot read the Temporal client configuration${file}: ${reason}`);
  }
  let options: ReturnType<typeof toClientOptions>;
  try {
    options = toClientOptions(profile);
  } catch (error) {
    // A certificate path that cannot be read: say which file, before any connection is tried.
    const reason = error instanceof Error ? error.message : String(error);
    throw new TemporalSettingsError(`Cannot load the Temporal TLS files (TEMPORAL_TLS_*): ${reason}`);
  }
  const tls = profile.tls;
  const given: TemporalSetting[] = [];
  if (profile.address) given.push('TEMPORAL_ADDRESS');
  if (profile.namespace) given.push('TEMPORAL_NAMESPACE');
  if (profile.apiKey) given.push('TEMPORAL_API_KEY');
  if (tls) given.push('TEMPORAL_TLS');
  if (tls?.clientCert) given.push('TEMPORAL_TLS_CLIENT_CERT');
  if (tls?.clientKey) given.push('TEMPORAL_TLS_CLIENT_KEY');
  if (tls?.serverCACert) given.push('TEMPORAL_TLS_SERVER_CA_CERT');
  if (tls?.serverName) given.push('TEMPORAL_TLS_SERVER_NAME');
  if (Boolean(tls?.clientCert) !== Boolean(tls?.clientKey)) {
    throw new TemporalSettingsError(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or their _DATA forms) go together: one is set without the other',
    );
  }
  return {
    address: profile.address ?? defaultTemporalAddress,
    namespace: profile.namespace ?? defaultTemporalNamespace,
    explicit: Boolean(profile.address) || Boolean(values.TEMPORAL_PROFILE),
    profile: values.TEMPORAL_PROFILE ?? 'default',
    apiKey: profile.apiKey,
    tls: options.connectionOptions.tls ?? undefined,
    metadata: profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? profile.grpcMeta : undefined,
    given,
  };
}

export const tlsEnabled = (settings: Pick<TemporalConnectionSettings, 'tls'>) =>
  settings.tls !== undefined && settings.tls !== false;

/** Options for `Connection` (client) and `NativeConnection` (worker): both take the same shape. */
export function connectionOptions(settings: TemporalConnectionSettings) {
  return {
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

/** What the logs may say about the connection: where, which namespace, TLS or not; no key, no certificate. */
export function describeConnection(settings: TemporalConnectionSettings) {
  return {
    address: settings.address,
    namespace: settings.namespace,
    tls: tlsEnabled(settings),
    apiKey: settings.apiKey ? 'set' : undefined,
  };
}
