/** `CONSUL_HTTP_ADDR` as Consul's own tools take it: `host:port`, optionally with an http(s) scheme. */
export function consulOptions(address: string): { host: string; port: number; secure: boolean } {
  const url = new URL(/^https?:\/\//i.test(address) ? address : `http://${address}`);
  const secure = url.protocol === 'https:';
  return { host: url.hostname, port: url.port ? Number(url.port) : secure ? 443 : 8500, secure };
}
