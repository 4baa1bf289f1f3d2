// Stops and starts parts of the e2e stack through the local runtime's status server, for tests
// that watch the page react (the replica going down and back).
import { inject } from 'vitest';

/** What the live e2e tests need from the running stack. */
export interface StackControl {
  /** Stops the Redis replica (and keeps it stopped); resolves once the process has exited. */
  stopReplica(): Promise<void>;
  /** Starts the replica again on the same port and data; resolves once it answers PING. */
  startReplica(): Promise<void>;
}

/**
 * The runtime's `POST /redis/replica/stop` and `POST /redis/replica/start` (answer 200 once
 * done, `{ "error" }` otherwise). Throws at once when the stack does not provide `runtimeUrl`.
 */
export function stackControl(): StackControl {
  const runtimeUrl = inject('runtimeUrl');
  if (!runtimeUrl) throw new Error('the e2e stack provides no runtimeUrl (web/e2e/start-stack.ts)');
  const post = async (path: string) => {
    const response = await fetch(`${runtimeUrl}${path}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  };
  return {
    stopReplica: () => post('/redis/replica/stop'),
    startReplica: () => post('/redis/replica/start'),
  };
}
