import fs from 'node:fs';
import { freePort } from '../../../net/ports';

/** The kernel's range for the local ports of outgoing connections. */
const ephemeral = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];

describe('free ports for servers started a moment later', () => {
  it('come from below the ephemeral range, where no outgoing connection can take them first', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, freePort));
    for (const port of ports) expect(port).toBeLessThan(ephemeral[0]);
  });

  it('are never handed out twice, however many are asked for at once', async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, freePort));
    expect(new Set(ports).size).toBe(ports.length);
  });
});
