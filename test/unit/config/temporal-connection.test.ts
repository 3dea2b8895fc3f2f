import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../config';
import { connectionOptions, describeConnection, hostAndPort, loadTemporalConnection, tlsEnabled } from '../../../config/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-settings-'));
const file = (name: string, content: string) => {
  const target = path.join(dir, name);
  fs.writeFileSync(target, content);
  return target;
};
const ca = file('ca.pem', 'CA-DATA');
const cert = file('client.pem', 'CERT-DATA');
const key = file('client.key', 'KEY-DATA');
const profiles = file(
  'temporal.toml',
  `[profile.default]
address = "profile-host:7233"
namespace = "from-profile"

[profile.cloud]
address = "shop.a1b2c.tmprl.cloud:7233"
namespace = "shop.a1b2c"
api_key = "profile-key"

[profile.mtls]
address = "temporal.internal:7233"
namespace = "shop"
[profile.mtls.tls]
client_cert_path = "${cert}"
client_key_path = "${key}"
server_ca_cert_path = "${ca}"
server_name = "temporal.internal"
`,
);
// No HOME: the user's own ~/.config/temporalio/temporal.toml must not leak into these cases.
const load = (env: Record<string, string>) => loadTemporalConnection({ HOME: dir, ...env });
const text = (data: unknown) => Buffer.from(data as Uint8Array).toString();

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the Temporal connection settings', () => {
  it('default to the local dev server, plain text, namespace default', () => {
    const settings = load({});
    expect(settings).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', explicit: false });
    expect(tlsEnabled(settings)).toBe(false);
    expect(connectionOptions(settings)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('take the address and namespace from the environment, which names a server of its own', () => {
    const settings = load({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_NAMESPACE: 'shop' });
    expect(settings).toMatchObject({ address: 'temporal.example:7233', namespace: 'shop', explicit: true });
  });

  it('treat empty variables as unset', () => {
    expect(load({ TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: ' ', TEMPORAL_TLS_CLIENT_CERT_PATH: '' })).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      tls: undefined,
      explicit: false,
    });
  });

  it('read the default profile of TEMPORAL_CONFIG_FILE', () => {
    expect(load({ TEMPORAL_CONFIG_FILE: profiles })).toMatchObject({
      address: 'profile-host:7233',
      namespace: 'from-profile',
      explicit: true,
    });
  });

  it('let the environment win over the profile, setting by setting', () => {
    expect(load({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_NAMESPACE: 'from-env' })).toMatchObject({
      address: 'profile-host:7233',
      namespace: 'from-env',
    });
  });

  it('select a profile with TEMPORAL_PROFILE, and refuse one that does not exist', () => {
    const cloud = load({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud).toMatchObject({ address: 'shop.a1b2c.tmprl.cloud:7233', namespace: 'shop.a1b2c', apiKey: 'profile-key' });
    expect(() => load({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'nope' })).toThrow(/Profile 'nope' not found/);
  });

  it('load mutual TLS from a profile: CA, client certificate and key, server name', () => {
    const settings = load({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'mtls' });
    const tls = settings.tls as Exclude<typeof settings.tls, boolean | undefined>;
    expect(text(tls.serverRootCACertificate)).toBe('CA-DATA');
    expect(text(tls.clientCertPair!.crt)).toBe('CERT-DATA');
    expect(text(tls.clientCertPair!.key)).toBe('KEY-DATA');
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('load TLS files named by the standard variables', () => {
    const settings = load({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    const tls = settings.tls as Exclude<typeof settings.tls, boolean | undefined>;
    expect(text(tls.serverRootCACertificate)).toBe('CA-DATA');
    expect(text(tls.clientCertPair!.crt)).toBe('CERT-DATA');
    expect(tls.serverNameOverride).toBe('localhost');
    expect(settings.given).toEqual(
      expect.arrayContaining(['TEMPORAL_TLS_CLIENT_CERT', 'TEMPORAL_TLS_CLIENT_KEY', 'TEMPORAL_TLS_SERVER_CA_CERT']),
    );
  });

  it('take certificates as data as well as paths', () => {
    const settings = load({ TEMPORAL_TLS_CLIENT_CERT_DATA: 'INLINE-CERT', TEMPORAL_TLS_CLIENT_KEY_DATA: 'INLINE-KEY' });
    const tls = settings.tls as Exclude<typeof settings.tls, boolean | undefined>;
    expect(text(tls.clientCertPair!.crt)).toBe('INLINE-CERT');
    expect(text(tls.clientCertPair!.key)).toBe('INLINE-KEY');
  });

  it('let the environment override one TLS file of the profile and keep the others', () => {
    const other = file('other-ca.pem', 'OTHER-CA');
    const settings = load({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'mtls', TEMPORAL_TLS_SERVER_CA_CERT_PATH: other });
    const tls = settings.tls as Exclude<typeof settings.tls, boolean | undefined>;
    expect(text(tls.serverRootCACertificate)).toBe('OTHER-CA');
    expect(text(tls.clientCertPair!.crt)).toBe('CERT-DATA');
  });

  it('turn TLS on with TEMPORAL_TLS=true (system roots) and off with TEMPORAL_TLS=false', () => {
    expect(tlsEnabled(load({ TEMPORAL_TLS: 'true' }))).toBe(true);
    expect(load({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca }).tls).toBe(false);
  });

  it('send an API key over TLS by default, as the standard says, unless TLS is turned off', () => {
    const keyed = load({ TEMPORAL_ADDRESS: 'shop.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' });
    expect(keyed.tls).toBe(true);
    expect(connectionOptions(keyed)).toMatchObject({ apiKey: 'secret-key', tls: true });
    expect(load({ TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'false' }).tls).toBe(false);
  });

  it('refuse a client certificate without its key, and a file that cannot be read, naming the variables', () => {
    expect(() => load({ TEMPORAL_TLS_CLIENT_CERT_PATH: cert })).toThrow(/TEMPORAL_TLS_CLIENT_KEY_PATH/);
    expect(() => load({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') })).toThrow(/TEMPORAL_TLS_/);
  });

  it('never puts the key or a certificate in what it logs', () => {
    const described = JSON.stringify(
      describeConnection(load({ TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key })),
    );
    expect(described).not.toMatch(/secret-key|CERT-DATA|KEY-DATA/);
    expect(described).toContain('"apiKey":"set"');
  });

  it('reach every process through loadConfig, with a bad profile reported as a configuration error', () => {
    expect(loadConfig({ HOME: dir, TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'cloud' }).temporal).toMatchObject({
      address: 'shop.a1b2c.tmprl.cloud:7233',
      namespace: 'shop.a1b2c',
    });
    expect(() => loadConfig({ HOME: dir, TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'nope' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIGURATION' }),
    );
  });
});

describe('hostAndPort', () => {
  it('splits an address into host and port, IPv6 hosts without their brackets', () => {
    expect(hostAndPort('temporal.internal:7234')).toEqual({ host: 'temporal.internal', port: 7234 });
    expect(hostAndPort('[::1]:7233')).toEqual({ host: '::1', port: 7233 });
  });

  it('defaults the port to 7233 and an empty host to loopback', () => {
    expect(hostAndPort('temporal.internal')).toEqual({ host: 'temporal.internal', port: 7233 });
    expect(hostAndPort(':7235')).toEqual({ host: '127.0.0.1', port: 7235 });
  });
});
