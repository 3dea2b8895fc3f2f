import fs from 'node:fs';

/**
 * The settings that are secrets. Each may come from a file named by `<NAME>_FILE` (a Kubernetes or Docker secret
 * mounted as a file), so the value never sits in the process's environment listing or in a manifest.
 */
export const secretNames = [
  'DATABASE_URL',
  'SUPPLIER_DATABASE_URL',
  'CARRIER_DATABASE_URL',
  'ADMIN_PASSWORD',
  'TEMPORAL_API_KEY',
  // Temporal's envconfig reads the client key's PEM text from here (the _PATH form names a file already).
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'REDIS_URL',
  'CONSUL_HTTP_TOKEN',
  'SERVICE_TOKEN',
  // The payload codec's keys: whoever holds them reads every address in Temporal's histories.
  'PAYLOAD_KEYS',
] as const;
export type SecretName = (typeof secretNames)[number];
export const isSecretName = (name: string): name is SecretName => (secretNames as readonly string[]).includes(name);

export class SecretFileError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
}

/** The environment with every `<NAME>_FILE` read into `<NAME>`; setting both is refused as ambiguous. */
export function withSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of secretNames) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) {
      throw new SecretFileError(`${name} and ${name}_FILE are both set; keep one`);
    }
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch (error) {
      // The path is not a secret; the content would be.
      throw new SecretFileError(`${name}_FILE=${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    // Secret files usually end with a newline that is not part of the value.
    resolved[name] = content.replace(/\r?\n$/, '');
    // A secret mounted empty is a deployment's mistake: never a reason to fall back to a default (or a local token).
    if (!resolved[name]!.trim()) throw new SecretFileError(`${name}_FILE=${file} is empty`);
  }
  return resolved;
}
