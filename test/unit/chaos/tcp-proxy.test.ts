import net from 'node:net';
import { startTcpProxy, type TcpProxy } from '../../../chaos/tcp-proxy';

/** An echo server on a port of the kernel's choosing. */
async function startEcho() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    target: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Connects to the proxy: the connected socket, or the code of the error that refused it. */
function connect(proxy: TcpProxy): Promise<net.Socket | string> {
  return new Promise((resolve) => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

/** Sends `text` and reads it back through the proxy. */
function echo(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (data) => resolve(String(data)));
    socket.write(text);
  });
}

describe('the TCP proxy, closed and opened again', () => {
  let target: Awaited<ReturnType<typeof startEcho>>;
  const opened: (TcpProxy | net.Socket)[] = [];
  beforeEach(async () => {
    target = await startEcho();
  });
  afterEach(async () => {
    for (const item of opened.splice(0)) {
      if (item instanceof net.Socket) item.destroy();
      else await item.close();
    }
    await target.close();
  });

  it('started closed refuses connections on its port until opened, then forwards on that same port', async () => {
    const proxy = await startTcpProxy(target.target, { closed: true });
    opened.push(proxy);
    expect(await connect(proxy)).toBe('ECONNREFUSED');

    await proxy.open();
    const socket = await connect(proxy);
    if (typeof socket === 'string') throw new Error(`refused when open: ${socket}`);
    opened.push(socket);
    expect(await echo(socket, 'hello')).toBe('hello');
  });

  it('closed cuts the connections through it and refuses new ones; opened again it forwards', async () => {
    const proxy = await startTcpProxy(target.target);
    opened.push(proxy);
    const socket = await connect(proxy);
    if (typeof socket === 'string') throw new Error(`refused when open: ${socket}`);
    opened.push(socket);
    expect(await echo(socket, 'before')).toBe('before');

    const cut = new Promise((resolve) => socket.once('close', resolve));
    await proxy.close();
    await cut;
    expect(await connect(proxy)).toBe('ECONNREFUSED');

    await proxy.open();
    const again = await connect(proxy);
    if (typeof again === 'string') throw new Error(`refused when opened again: ${again}`);
    opened.push(again);
    expect(await echo(again, 'after')).toBe('after');
  });
});
