import os from 'node:os';
import net from 'node:net';

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

const wildcard = (host: string | undefined) => !host || host === '0.0.0.0' || host === '::' || host === '[::]';
const isLoopback = (address: string) =>
  address === 'localhost' || address === '::1' || (net.isIPv4(address) && address.startsWith('127.'));

/**
 * The address an instance registers in Consul, where other hosts (and the agent's health check) reach it:
 * `configured` (SERVICE_ADDRESS) when given; else the address it listens on when that is one interface's; else, for a
 * process listening on every interface, the first address of an interface that is not loopback (IPv4 before IPv6,
 * link-local IPv6 never). Never 0.0.0.0 or ::; a loopback address only when it serves on loopback only (it listens
 * there, or the host has no other interface).
 */
export function registrationAddress(options: {
  configured?: string;
  listenHost?: string;
  interfaces?: Interfaces;
}): string {
  if (options.configured) return options.configured;
  if (!wildcard(options.listenHost)) return options.listenHost!;
  const addresses = Object.values(options.interfaces ?? os.networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => !entry.internal && !isLoopback(entry.address));
  const ipv4 = addresses.find((entry) => entry.family === 'IPv4');
  const ipv6 = addresses.find((entry) => entry.family === 'IPv6' && !entry.address.toLowerCase().startsWith('fe80:'));
  return ipv4?.address ?? ipv6?.address ?? (options.listenHost?.includes(':') ? '::1' : '127.0.0.1');
}

/** `<name>-<instance>-<port>`: replicas on other hosts (or pods) and instances on other ports never share an id. */
export function registrationId(name: string, instance: string, port: number): string {
  return `${name}-${instance.replace(/[^A-Za-z0-9_.-]/g, '-')}-${port}`;
}
