// Ports for the servers the local runtime (and the tests and benchmarks through it) starts.
import { createServer } from 'node:net';

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** `preferred` when it is free on 127.0.0.1, else (or for 0) a free port the OS picks. */
export async function freePort(preferred = 0, onBusy?: (port: number) => void): Promise<number> {
  if (preferred > 0) {
    const port = await listenOn(preferred);
    if (port !== undefined) return port;
    onBusy?.(preferred);
  }
  const port = await listenOn(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
