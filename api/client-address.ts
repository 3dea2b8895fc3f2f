import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';
import type { AppEnv } from './context';

/** Whether an address (already normalised) is one of the trusted proxies. */
export type ProxyTrust = (address: string) => boolean;

/** The trust function for the (already checked) entries of TRUSTED_PROXIES; nothing is trusted when there are none. */
export function compileTrust(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return () => false;
  const trust = proxyaddr.compile([...entries]);
  return (address) => trust(address, 0);
}

/**
 * One spelling per address, so that one client has one key: IPv6 in its canonical (lower case, compressed) form and an
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a dual-stack socket reports IPv4 peers) as plain IPv4. Undefined
 * for anything that is not a strict IPv4 or IPv6 address (a port, a name, `unknown`, a hex or short IPv4 form).
 */
export function normaliseAddress(text: string): string | undefined {
  const kind = isIP(text);
  if (kind === 4) return text;
  if (kind !== 6) return undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    // A zone id (fe80::1%eth0) is an address URL does not take: keep it as written, in lower case.
    return text.toLowerCase();
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The client of a request that came from `peer` with `forwardedFor` (X-Forwarded-For): the peer itself unless it is a
 * trusted proxy, whatever the header says; else, walking the header from the right (each trusted hop appends the
 * address it saw), the first address that is not a trusted proxy. An entry that is not an address (from a client in a
 * trusted range, or a proxy that writes something else) ends the walk: the last address a trusted hop vouched for is
 * the client. When every hop is trusted, the left-most address.
 */
export function resolveClient(peer: string, forwardedFor: string | undefined, trust: ProxyTrust): string {
  let client = normaliseAddress(peer);
  if (client === undefined) return peer;
  if (!trust(client) || !forwardedFor) return client;
  const hops = forwardedFor.split(',');
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = normaliseAddress(hops[index].trim());
    if (hop === undefined) return client;
    client = hop;
    if (!trust(hop)) return hop;
  }
  return client;
}

/**
 * What limits and throttles count as one client: an IPv4 address, or the IPv6 network of `ipv6Prefix` bits it is in
 * (`2001:db8:1:200::/56`). One subscriber is given a whole IPv6 network and may send from any of its addresses, so
 * keying by the address alone would give one client a budget per address. 128 keys each IPv6 address by itself.
 */
export function clientNetwork(address: string, ipv6Prefix: number): string {
  if (ipv6Prefix >= 128 || isIP(address) !== 6) return address;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address}/${ipv6Prefix}`).toString()}/${ipv6Prefix}`;
}

/** The socket's peer address; requests that come without a socket (in-process `app.request()`) share one key. */
function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process';
  }
}

/**
 * Works out the request's client once (see `resolveClient`, then `clientNetwork`) for the rate limit and the login
 * throttle after it. `trustedProxies` are the checked entries of TRUSTED_PROXIES; `ipv6Prefix` is CLIENT_IPV6_PREFIX.
 */
export function identifyClient(trustedProxies: readonly string[], ipv6Prefix: number): MiddlewareHandler<AppEnv> {
  const trust = compileTrust(trustedProxies);
  return async (c, next) => {
    c.set('client', clientNetwork(resolveClient(peerAddress(c), c.req.header('x-forwarded-for'), trust), ipv6Prefix));
    await next();
  };
}

/**
 * The client that limits and throttles are keyed by: as `identifyClient` found it, else the socket's peer (whatever
 * X-Forwarded-For says: an untrusted header must never choose the key).
 */
export function clientAddress(c: Context<AppEnv>): string {
  return c.get('client') ?? normaliseAddress(peerAddress(c)) ?? peerAddress(c);
}
