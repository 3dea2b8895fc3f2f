/**
 * The `consul` client's options for `CONSUL_HTTP_ADDR` as Consul's own tools take it (`host:port`, optionally with an
 * http(s) scheme), with `CONSUL_HTTP_TOKEN`, when set, sent on every request (the client's `X-Consul-Token` header).
 */
export function consulOptions(
  address: string,
  options: { token?: string; timeoutMs?: number } = {},
): { host: string; port: number; secure: boolean; defaults?: { token?: string; timeout?: number } } {
  const url = new URL(/^https?:\/\//i.test(address) ? address : `http://${address}`);
  const secure = url.protocol === 'https:';
  const defaults = {
    ...(options.token ? { token: options.token } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  };
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 443 : 8500,
    secure,
    ...(Object.keys(defaults).length > 0 ? { defaults } : {}),
  };
}
