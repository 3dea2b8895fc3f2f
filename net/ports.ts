import net from 'node:net';

/** A port on 127.0.0.1 that nothing listened on a moment ago: the kernel's pick for port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` on 127.0.0.1 can be listened on now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port in [20000, limit), none of `taken`: for servers that reject ports above a limit (the kernel's picks
 * come from the ephemeral range, usually above 32768).
 */
export async function freePortBelow(limit: number, taken: number[]): Promise<number> {
  for (let tries = 0; tries < 200; tries += 1) {
    const port = 20_000 + Math.floor(Math.random() * (limit - 20_000));
    if (!taken.includes(port) && (await portIsFree(port))) return port;
  }
  throw new Error(`no free port below ${limit}`);
}
