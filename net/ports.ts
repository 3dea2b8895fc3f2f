import fs from 'node:fs';
import net from 'node:net';

/** The lowest local port the kernel hands to outgoing connections (Linux's setting; its usual default elsewhere). */
function ephemeralLow(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

const lowest = 20_000;
/** Ports this process has handed out: two servers asked for at once never get the same one. */
const handedOut = new Set<number>();

/**
 * A port on 127.0.0.1 that nothing listens on, for a server started a moment later. It lies below the kernel's
 * ephemeral range: a port the kernel picked for port 0 lies inside it, and any process's outgoing connection could
 * take it as its local port before the server binds it (the server then fails with EADDRINUSE).
 */
export function freePort(): Promise<number> {
  // A kernel set to hand out nearly every port leaves no room below: its own pick is then the best there is.
  return ephemeralLow() > lowest + 1_000 ? freePortBelow(ephemeralLow(), []) : kernelPick();
}

function kernelPick(): Promise<number> {
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

/** A free port in [20000, limit), none of `taken` nor one handed out before, below the ephemeral range (`freePort`). */
export async function freePortBelow(limit: number, taken: number[]): Promise<number> {
  const below = Math.min(limit, ephemeralLow());
  for (let tries = 0; tries < 200; tries += 1) {
    const port = lowest + Math.floor(Math.random() * (below - lowest));
    if (taken.includes(port) || handedOut.has(port)) continue;
    // Held before the probe: a concurrent call cannot pick it meanwhile.
    handedOut.add(port);
    if (await portIsFree(port)) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free port in [${lowest}, ${below})`);
}
