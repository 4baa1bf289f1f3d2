// Freezes a redis-server this test started (SIGSTOP: it keeps its sockets open and answers
// nothing, as a hung server or a stalled VM does) and thaws it again (SIGCONT).
import { Redis } from 'ioredis';

/** The PID of the redis-server on `port` (127.0.0.1), from INFO server. */
export async function redisServerPid(port: number): Promise<number> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pid = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
    if (!pid) throw new Error(`no process_id in INFO of the redis-server on port ${port}`);
    return Number(pid);
  } finally {
    client.disconnect();
  }
}

/** Stops the process with SIGSTOP until `thaw()` (always call it, e.g. in finally). */
export function freeze(pid: number): { thaw(): void } {
  process.kill(pid, 'SIGSTOP');
  return { thaw: () => process.kill(pid, 'SIGCONT') };
}
