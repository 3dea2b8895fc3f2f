import net from 'node:net';
import { freePort } from '../net/ports';

/**
 * A TCP proxy in front of a server (a database, Temporal), so a fault can make it stop answering: while paused, bytes
 * in flight are held and nothing reaches either side, as when a network partition or a stalled server hangs clients.
 * Closed, nothing listens on its port and every connection through it is cut, as when the server's host is gone (or
 * not there yet: `{ closed: true }` starts it so); `open()` brings it back on the same port.
 */
export async function startTcpProxy(target: { host: string; port: number }, options: { closed?: boolean } = {}) {
  const sockets = new Set<net.Socket>();
  const upstreams = new Set<net.Socket>();
  let paused = false;
  let holdingAnswers = false;
  const forward = (client: net.Socket) => {
    const upstream = net.connect(target);
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      if (paused || (holdingAnswers && socket === upstream)) socket.pause();
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };
  // A port of its own rather than the kernel's pick, so that it is still free when the proxy opens again.
  const port = await freePort();
  let server: net.Server | undefined;

  const proxy = {
    port,
    /** Listens again on its port, if closed. */
    async open() {
      if (server) return;
      const listening = net.createServer(forward);
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      server = listening;
    },
    /** Holds every connection, old and new, for `ms` milliseconds. */
    async pause(ms: number) {
      paused = true;
      for (const socket of sockets) socket.pause();
      await new Promise((resolve) => setTimeout(resolve, ms));
      paused = false;
      for (const socket of sockets) socket.resume();
    },
    /**
     * Lets requests through but holds every answer until the returned release is called: the target acts on what it
     * was sent, and the client hears nothing, as when a reply is lost on the way back.
     */
    holdAnswers() {
      holdingAnswers = true;
      for (const socket of upstreams) socket.pause();
      return () => {
        holdingAnswers = false;
        for (const socket of upstreams) socket.resume();
      };
    },
    /** Stops listening and cuts every connection through it: new ones are refused until `open()`. */
    async close() {
      const closing = server;
      server = undefined;
      const closed = closing ? new Promise((resolve) => closing.close(resolve)) : undefined;
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  if (!options.closed) await proxy.open();
  return proxy;
}
export type TcpProxy = Awaited<ReturnType<typeof startTcpProxy>>;

/** The same database URL, pointed at the proxy. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

/**
 * One address in front of several gateways, as a load balancer is: each connection goes to the next instance in
 * turn; an instance that refuses the connection (killed) is skipped for that connection, the next one tried. A
 * connection already passed to an instance that dies is dropped, as a load balancer drops it.
 */
export async function startRoundRobinProxy(initialTargets: { host: string; port: number }[]) {
  const targets = [...initialTargets];
  const sockets = new Set<net.Socket>();
  let next = 0;
  const connectTo = (client: net.Socket, tries: number) => {
    if (tries >= targets.length) {
      client.destroy();
      return;
    }
    const target = targets[next++ % targets.length];
    const upstream = net.connect(target);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (connected) client.destroy();
      else connectTo(client, tries + 1);
    });
    upstream.on('close', () => {
      if (connected) client.destroy();
    });
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    connectTo(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    add(target: { host: string; port: number }) {
      targets.push(target);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
export type RoundRobinProxy = Awaited<ReturnType<typeof startRoundRobinProxy>>;
