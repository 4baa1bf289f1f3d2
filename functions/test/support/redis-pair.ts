// A real Redis master and replica on free ports for one test file, started by the local
// runtime's Redis module (the one place that runs redis-server) in a temporary directory.
// Nothing restarts them: tests stop and start nodes themselves to inject faults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../../local/runtime/ports.js';
import { RedisNode, type RedisPair as RuntimeRedisPair, startRedisPair as startPair } from '../../../local/runtime/redis-pair.js';

export { freePort };

/** A master and a replica linked to it; `stop()` also removes their directory. */
export interface RedisPair {
  master: RedisNode;
  replica: RedisNode;
  stop(): Promise<void>;
}

/** Options for {@link startRedisPair}. */
export interface TestRedisPairOptions {
  /** Replaces the StatefulSet's 512mb cap (a flood test fills a few MB in seconds). @defaultValue the ConfigMap's */
  maxmemory?: string;
}

/** Starts the pair (the StatefulSet's redis.conf) and waits until the replica's link to the master is up. */
export async function startRedisPair(options: TestRedisPairOptions = {}): Promise<RedisPair> {
  const directory = mkdtempSync(join(tmpdir(), 'fib-redis-'));
  let pair: RuntimeRedisPair;
  try {
    pair = await startPair({
      dataDir: directory,
      appendOnly: false,
      maxmemory: options.maxmemory,
      restartPolicy: 'never',
      events: { log: () => undefined, output: () => undefined },
    });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    master: pair.master,
    replica: pair.replica,
    async stop() {
      await pair.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** One Redis (no replica) on a free port, not started until `node.start()`; for outage tests. */
export interface RedisServer {
  node: RedisNode;
  port: number;
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>;
}

/** Prepares a stand-alone redis-server through the runtime's Redis module. */
export async function createRedisServer(): Promise<RedisServer> {
  const directory = mkdtempSync(join(tmpdir(), 'fib-redis-'));
  const port = await freePort();
  const node = new RedisNode('master', port, join(directory, 'redis-master'), {
    appendOnly: false,
    restartPolicy: 'never',
    events: { log: () => undefined, output: () => undefined },
  });
  return {
    node,
    port,
    async dispose() {
      await node.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
