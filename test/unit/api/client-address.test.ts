import { clientNetwork, compileTrust, normaliseAddress, resolveClient } from '../../../api/client-address';
import { ConfigError, loadConfig } from '../../../config';
import { kvSettingProblem } from '../../../config/settings';

describe('TRUSTED_PROXIES', () => {
  it('is empty by default: no proxy is trusted', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
  });

  it('takes addresses and CIDR ranges, IPv4 and IPv6, comma-separated with blanks ignored', () => {
    const config = loadConfig({ TRUSTED_PROXIES: ' 127.0.0.1, 10.0.0.0/8 ,,fd00::/8, ::1, 192.168.0.0/255.255.0.0, loopback' });
    expect(config.trustedProxies).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '::1', '192.168.0.0/255.255.0.0', 'loopback']);
  });

  it.each([
    ['a name', 'proxy.internal', '"proxy.internal" is not an IPv4 or IPv6 address'],
    ['a short IPv4 form', '10.1', '"10.1" is not an IPv4 or IPv6 address'],
    ['a hex IPv4 form', '0x7f.0.0.1', '"0x7f.0.0.1" is not an IPv4 or IPv6 address'],
    ['a prefix too long for IPv4', '10.0.0.0/33', '"10.0.0.0/33" has a prefix length'],
    ['a prefix too long for IPv6', 'fd00::/129', '"fd00::/129" has a prefix length'],
    ['an empty prefix', '10.0.0.0/', '"10.0.0.0/" has a prefix length'],
    ['an address with a port', '10.0.0.1:8080', '"10.0.0.1:8080" is not an IPv4 or IPv6 address'],
  ])('refuses %s at start, naming the setting', (_what, entry, message) => {
    const load = () => loadConfig({ TRUSTED_PROXIES: `127.0.0.1, ${entry}` });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('TRUSTED_PROXIES');
    expect(load).toThrow(message);
  });

  it('refuses a bad value from Consul KV the same way, and takes a good one', () => {
    expect(kvSettingProblem('TRUSTED_PROXIES', '10.0.0.0/8, proxy.internal')).toContain('"proxy.internal" is not an IPv4');
    expect(kvSettingProblem('TRUSTED_PROXIES', '10.0.0.0/8, fd00::/8')).toBeUndefined();
  });
});

describe('normaliseAddress', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:a00:1', '10.0.0.1'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['::1', '::1'],
  ])('spells %s as %s', (given, spelled) => {
    expect(normaliseAddress(given)).toBe(spelled);
  });

  it.each(['', 'unknown', 'garbage', '10.1', '0x7f.0.0.1', '10.0.0.1:80', '[::1]:80', '1.2.3.4 5.6.7.8', '_hidden'])(
    'takes %j for no address',
    (given) => {
      expect(normaliseAddress(given)).toBeUndefined();
    },
  );
});

describe('resolveClient', () => {
  const trust = compileTrust(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  const none = compileTrust([]);

  it('is the socket peer when nothing is trusted, whatever X-Forwarded-For says', () => {
    expect(resolveClient('127.0.0.1', '203.0.113.7', none)).toBe('127.0.0.1');
    expect(resolveClient('198.51.100.1', '203.0.113.7, 10.0.0.1', trust)).toBe('198.51.100.1');
    expect(resolveClient('::ffff:198.51.100.1', '203.0.113.7', trust)).toBe('198.51.100.1');
  });

  it('is the right-most address that is not a trusted proxy, from a trusted peer', () => {
    expect(resolveClient('127.0.0.1', '203.0.113.7', trust)).toBe('203.0.113.7');
    // spoofed, client, proxy2: the client's own claim to the left is never believed.
    expect(resolveClient('127.0.0.1', '198.51.100.99, 203.0.113.7, 10.1.2.3', trust)).toBe('203.0.113.7');
    expect(resolveClient('10.200.0.1', '203.0.113.7,10.1.2.3,10.4.5.6', trust)).toBe('203.0.113.7');
    // A dual-stack socket reports an IPv4 proxy as ::ffff:…; a proxy may forward mapped addresses too.
    expect(resolveClient('::ffff:127.0.0.1', '::ffff:203.0.113.7', trust)).toBe('203.0.113.7');
  });

  it('walks IPv6 hops and ranges, and spells the client canonically', () => {
    expect(resolveClient('fd00::1', '2001:DB8::0:7, fd12::5', trust)).toBe('2001:db8::7');
    expect(resolveClient('fd00::1', '2001:db8::7', compileTrust(['fd00::1']))).toBe('2001:db8::7');
    expect(resolveClient('::1', '2001:db8::7', trust)).toBe('::1');
  });

  it('is the left-most address when every hop is a trusted proxy', () => {
    expect(resolveClient('127.0.0.1', '10.9.9.9, 10.1.2.3', trust)).toBe('10.9.9.9');
  });

  it('is the peer when a trusted proxy sends no X-Forwarded-For', () => {
    expect(resolveClient('127.0.0.1', undefined, trust)).toBe('127.0.0.1');
    expect(resolveClient('127.0.0.1', '', trust)).toBe('127.0.0.1');
  });

  it('stops at a malformed entry: the last address a trusted hop vouched for is the client', () => {
    expect(resolveClient('127.0.0.1', 'garbage', trust)).toBe('127.0.0.1');
    expect(resolveClient('127.0.0.1', '203.0.113.7, garbage', trust)).toBe('127.0.0.1');
    expect(resolveClient('127.0.0.1', 'garbage, 10.1.2.3', trust)).toBe('10.1.2.3');
    expect(resolveClient('127.0.0.1', 'garbage, 203.0.113.7', trust)).toBe('203.0.113.7');
    expect(resolveClient('127.0.0.1', '203.0.113.7, 10.1.2.3:443', trust)).toBe('127.0.0.1');
    expect(resolveClient('127.0.0.1', '203.0.113.7,, 10.1.2.3', trust)).toBe('10.1.2.3');
    expect(resolveClient('127.0.0.1', ',,,,', trust)).toBe('127.0.0.1');
    expect(resolveClient('127.0.0.1', '0x7f.0.0.1', trust)).toBe('127.0.0.1');
  });

  it('keeps a peer that is not an address as it is (in-process requests)', () => {
    expect(resolveClient('in-process', '203.0.113.7', trust)).toBe('in-process');
  });
});

describe('clientNetwork', () => {
  it('keys IPv4 by the address', () => {
    expect(clientNetwork('203.0.113.7', 56)).toBe('203.0.113.7');
  });

  it.each([
    ['2001:db8:1:2ff:a:b:c:d', 56, '2001:db8:1:200::/56'],
    ['2001:db8:1:200::1', 56, '2001:db8:1:200::/56'],
    ['2001:db8:1:2ff:a:b:c:d', 64, '2001:db8:1:2ff::/64'],
    ['2001:db8:1:2ff:a:b:c:d', 48, '2001:db8:1::/48'],
    ['fe80::1%eth0', 64, 'fe80::/64'],
  ])('keys IPv6 %s by its /%i network', (address, prefix, network) => {
    expect(clientNetwork(address, prefix)).toBe(network);
  });

  it('keys each IPv6 address by itself at 128', () => {
    expect(clientNetwork('2001:db8::7', 128)).toBe('2001:db8::7');
  });

  it('keeps what is not an address as it is', () => {
    expect(clientNetwork('in-process', 56)).toBe('in-process');
  });
});

describe('CLIENT_IPV6_PREFIX', () => {
  it('is 56 by default', () => {
    expect(loadConfig({}).clientIpv6Prefix).toBe(56);
    expect(loadConfig({ CLIENT_IPV6_PREFIX: '64' }).clientIpv6Prefix).toBe(64);
  });

  it.each(['31', '129', '56.5', 'wide'])('refuses %j at start, naming the setting', (value) => {
    const load = () => loadConfig({ CLIENT_IPV6_PREFIX: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('CLIENT_IPV6_PREFIX');
  });
});
