// A TCP proxy on 127.0.0.1 that a test controls, to put faults between the app and a store:
// reset every connection (a crash or a network reset), freeze (stop forwarding, as a hung
// server or a partition does), or refuse new connections.
import { createServer, type Server, Socket } from 'node:net';

/** What the proxy does with traffic now. */
export type ProxyMode = 'forward' | 'freeze' | 'refuse';

export interface TcpProxy {
  port: number;
  /** Connections currently open (client side). */
  readonly connections: number;
  /** Resets (RST) every open connection now; new ones are still accepted. */
  resetAll(): void;
  /** `freeze`: bytes are held, not forwarded (sockets stay open); `refuse`: new connections are reset at once. */
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

/** Starts a proxy from a free port to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: ProxyMode = 'forward';
  const apply = (pair: Pair) => {
    if (mode === 'freeze') {
      pair.client.pause();
      pair.upstream.pause();
    } else {
      pair.client.resume();
      pair.upstream.resume();
    }
  };
  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.connect(targetPort, '127.0.0.1');
    apply(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const resetAll = () => {
    for (const pair of [...pairs]) {
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
      pairs.delete(pair);
    }
  };
  return {
    port,
    get connections() {
      return pairs.size;
    },
    resetAll,
    setMode(next) {
      mode = next;
      pairs.forEach(apply);
    },
    async close() {
      resetAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
