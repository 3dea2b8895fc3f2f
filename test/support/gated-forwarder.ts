import net from 'node:net';
import { freePort } from '../../net/ports';

/**
 * A TCP forwarder on a port of its own that nothing listens on until `open()`: a client meets a refused connection, as
 * when the server behind it is not there yet. `close()` makes it refuse again, every connection through it cut, as when
 * the server goes away later; `open()` brings it back on the same port.
 */
export async function startGatedForwarder(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  return {
    port,
    async open() {
      if (server) return;
      const listening = net.createServer((client) => {
        const upstream = net.connect(target);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      server = listening;
    },
    async close() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      const closed = new Promise((resolve) => closing.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
export type GatedForwarder = Awaited<ReturnType<typeof startGatedForwarder>>;
