import type os from 'node:os';
import { registrationAddress, registrationId } from '../../../discovery/address';
import { loadConfig } from '../../../config';

type Entry = os.NetworkInterfaceInfo;
const entry = (address: string, family: 'IPv4' | 'IPv6', internal = false): Entry =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as Entry;

/** A host as a pod or a container sees it: loopback first, then its network's interface. */
const podInterfaces = {
  lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
  eth0: [entry('fe80::1c2d:3eff:fe4f:5a6b', 'IPv6'), entry('10.42.3.17', 'IPv4')],
};

describe('the address an instance registers in Consul', () => {
  it('is SERVICE_ADDRESS when given, whatever the process listens on', () => {
    expect(registrationAddress({ configured: 'supplier', listenHost: '0.0.0.0', interfaces: podInterfaces })).toBe('supplier');
    expect(registrationAddress({ configured: '10.0.0.9', listenHost: '127.0.0.1', interfaces: podInterfaces })).toBe('10.0.0.9');
  });

  it('is the interface’s address for a process listening on every interface: never 0.0.0.0, ::, loopback or link-local', () => {
    for (const listenHost of [undefined, '0.0.0.0', '::']) {
      expect(registrationAddress({ listenHost, interfaces: podInterfaces })).toBe('10.42.3.17');
    }
    const ipv6Only = { lo: podInterfaces.lo, eth0: [entry('fe80::1', 'IPv6'), entry('2001:db8::7', 'IPv6')] };
    expect(registrationAddress({ listenHost: '::', interfaces: ipv6Only })).toBe('2001:db8::7');
    // A loopback address some systems do not mark internal is still loopback.
    const unmarked = { lo: [entry('127.0.0.1', 'IPv4')], eth0: [entry('192.168.1.20', 'IPv4')] };
    expect(registrationAddress({ interfaces: unmarked })).toBe('192.168.1.20');
  });

  it('is the address it listens on when that is one interface’s, loopback included: then it serves on loopback only', () => {
    expect(registrationAddress({ listenHost: '127.0.0.1', interfaces: podInterfaces })).toBe('127.0.0.1');
    expect(registrationAddress({ listenHost: '10.42.3.17', interfaces: podInterfaces })).toBe('10.42.3.17');
  });

  it('is loopback for a process on every interface only when the host has no other', () => {
    expect(registrationAddress({ listenHost: '0.0.0.0', interfaces: { lo: podInterfaces.lo } })).toBe('127.0.0.1');
  });

  it('reads SERVICE_ADDRESS, refusing an address nobody can reach', () => {
    expect(loadConfig({ SERVICE_ADDRESS: ' carrier ' }).services.address).toBe('carrier');
    expect(loadConfig({}).services.address).toBeUndefined();
    for (const unreachable of ['0.0.0.0', '::']) {
      expect(() => loadConfig({ SERVICE_ADDRESS: unreachable })).toThrow(/SERVICE_ADDRESS: must be an address others can reach/);
    }
  });
});

describe('the id an instance registers under', () => {
  it('is unique per pod or host and port, so replicas never overwrite each other', () => {
    expect(registrationId('supplier', 'purchase-saga-supplier-7d9f-abcde', 3001)).toBe('supplier-purchase-saga-supplier-7d9f-abcde-3001');
    const ids = new Set(
      ['pod-a', 'pod-b'].flatMap((pod) => [3001, 3002].map((port) => registrationId('supplier', pod, port))),
    );
    expect(ids.size).toBe(4);
  });

  it('takes POD_NAME, else HOSTNAME, as the instance', () => {
    expect(loadConfig({ POD_NAME: 'shop-carrier-5c8-x2', HOSTNAME: 'node-1' }).services.instance).toBe('shop-carrier-5c8-x2');
    expect(loadConfig({ HOSTNAME: 'a1b2c3d4e5f6' }).services.instance).toBe('a1b2c3d4e5f6');
  });
});
