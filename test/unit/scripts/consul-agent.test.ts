import { consulDevAgentArgs, loopbackConsulPort } from '../../../scripts/consul-agent';

describe('where npm start -- --with consul starts its agent', () => {
  it('takes the port of a CONSUL_HTTP_ADDR on 127.0.0.1, with or without http://', () => {
    expect(loopbackConsulPort('127.0.0.1:18500')).toBe(18500);
    expect(loopbackConsulPort('http://127.0.0.1:18501')).toBe(18501);
  });

  it('takes no port from an address it could not start an agent on', () => {
    for (const address of [undefined, '', '127.0.0.1', 'consul:8500', 'https://127.0.0.1:8501', '10.0.0.5:8500', 'not a url']) {
      expect({ address, port: loopbackConsulPort(address) }).toEqual({ address, port: undefined });
    }
  });

  it('moves every port of a dev agent given other ports, and keeps dev mode’s own otherwise', () => {
    const otherPorts = { server: 1, serfLan: 2, serfWan: 3, grpc: 4, grpcTls: 5, dns: 6 };
    expect(consulDevAgentArgs({ httpPort: 18500, otherPorts })).toEqual(expect.arrayContaining([
      '-http-port=18500', '-server-port=1', '-serf-lan-port=2', '-serf-wan-port=3', '-grpc-port=4', '-grpc-tls-port=5', '-dns-port=6',
    ]));
    expect(consulDevAgentArgs().filter((arg) => /-port=/.test(arg))).toEqual(['-http-port=8500']);
  });
});
