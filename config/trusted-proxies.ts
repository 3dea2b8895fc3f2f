import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

/** Names proxy-addr knows for common ranges: `loopback`, `linklocal` (169.254/16, fe80::/10), `uniquelocal`. */
const rangeNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** The entries of TRUSTED_PROXIES: comma-separated, blanks ignored. */
export function trustedProxyEntries(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * Why an entry of TRUSTED_PROXIES cannot be used, or undefined when it can: an IPv4 or IPv6 address, a CIDR range
 * (`10.0.0.0/8`, `fd00::/8`; a netmask such as `10.0.0.0/255.0.0.0` too), or one of proxy-addr's range names.
 * Addresses are strict (four decimal parts for IPv4): proxy-addr alone would take `0x7f.1` for 127.0.0.1.
 */
export function trustedProxyProblem(entry: string): string | undefined {
  if (rangeNames.has(entry)) return undefined;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  if (isIP(address) === 0) return `"${entry}" is not an IPv4 or IPv6 address or CIDR range`;
  try {
    proxyaddr.compile(entry);
    return undefined;
  } catch {
    return `"${entry}" has a prefix length out of range or malformed`;
  }
}

/** The longest list an address-list schema takes, for the table of bounds (config/bounds.ts). */
export const addressListMeta = z.registry<{ maxLength: number }>();

/**
 * A setting that lists proxies (TRUSTED_PROXIES): comma-separated addresses and CIDR ranges, at most `maxLength`
 * characters in all; each entry is checked at start (and in KV) and a bad one is refused with what is wrong with it.
 */
export function addressList(maxLength: number) {
  const schema = z
    .string()
    .max(maxLength)
    .superRefine((value, context) => {
      for (const entry of trustedProxyEntries(value)) {
        const problem = trustedProxyProblem(entry);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }
    });
  addressListMeta.add(schema, { maxLength });
  return schema.optional();
}
