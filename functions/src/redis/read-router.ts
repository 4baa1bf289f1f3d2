// Owns the Redis nodes' state: their names, which node serves reads, and since when each node
// is down. Routes reads that may lag: to the replica while it is up and linked to the master,
// else to the master, and back to the replica once a probe finds it healthy again. Writes never
// come here: they always go to the master client.
import { isIP } from 'node:net';

import { type Redis, ReplyError } from 'ioredis';

import { DependencyUnavailableError, errorMessage } from '../errors.js';
import type { RedisEndpoint } from './connection-string.js';

/** A read's value and the node that served it (for the `x-served-by` header). */
export interface ServedRead<T> {
  value: T;
  servedBy: string;
}

/** A Redis node's role in the pair. */
export type RedisRole = 'master' | 'replica';

/**
 * A node's name, as the API reports it: the first DNS label of a host name
 * (redis-0.redis-headless.fib.svc → redis-0), else the role ("master", "replica").
 */
export function nodeName(endpoint: RedisEndpoint, role: RedisRole): string {
  if (isIP(endpoint.host) !== 0 || endpoint.host === 'localhost') return role;
  return endpoint.host.split('.')[0] || role;
}

/** Whether two settings name the same server (REDIS_REPLICA may be the master itself). */
export function sameEndpoint(a: RedisEndpoint, b: RedisEndpoint): boolean {
  return a.host === b.host && a.port === b.port;
}

/**
 * The names of the master and the replica (undefined when REDIS_REPLICA is the master itself);
 * two hosts with the same first label are named by their roles, so the names always differ.
 */
export function redisNodeNames(master: RedisEndpoint, replica: RedisEndpoint): { master: string; replica?: string } {
  if (sameEndpoint(master, replica)) return { master: nodeName(master, 'master') };
  const names = { master: nodeName(master, 'master'), replica: nodeName(replica, 'replica') };
  return names.master === names.replica ? { master: 'master', replica: 'replica' } : names;
}

/** Options for {@link ReadRouter}. */
export interface ReadRouterOptions {
  masterName: string;
  replicaName: string;
  /** How often the replica is probed (INFO replication). @defaultValue 1000 */
  probeIntervalMs?: number;
  /**
   * A read the replica has not answered within this long is also sent to the master; the first
   * answer wins. So a frozen replica costs a read this delay, not a whole command timeout.
   * @defaultValue 200
   */
  hedgeAfterMs?: number;
  log?: (message: string) => void;
}

/** A replica serves reads only while it answers and its link to the master is up. */
function replicaIsServing(info: string): boolean {
  return /^role:slave\r?$/m.test(info) && /^master_link_status:up\r?$/m.test(info);
}

/** Chooses the node for each read and keeps each node's state; one per process. */
export class ReadRouter {
  private replicaDownAt: number | null = null;
  /** Since when the master has not answered, or refused a health check's write (then `refused`). */
  private masterDown: { since: number; refused: boolean } | null = null;
  private probing = false;
  private timer: NodeJS.Timeout | undefined;

  /** `replica` is undefined when REDIS_REPLICA is the master itself. */
  constructor(
    private readonly master: () => Redis,
    private readonly replica: (() => Redis) | undefined,
    private readonly options: ReadRouterOptions,
  ) {}

  /** The node reads go to now. */
  get readsFrom(): string {
    return this.replica && this.replicaDownAt === null ? this.options.replicaName : this.options.masterName;
  }

  /** The nodes' names, master first (one when REDIS_REPLICA is the master itself). */
  get nodes(): readonly { name: string; role: RedisRole }[] {
    const master = { name: this.options.masterName, role: 'master' as const };
    return this.replica ? [master, { name: this.options.replicaName, role: 'replica' }] : [master];
  }

  /**
   * Since when a node is down (ms since epoch), or null: the master since it last failed to
   * answer (or refused a health check's write), the replica since it stopped serving reads.
   */
  downSince(role: RedisRole): number | null {
    if (role === 'master') return this.masterDown?.since ?? null;
    return this.replica ? this.replicaDownAt : null;
  }

  /**
   * Records what a check of a node found (/api/health, the topology's INFO). For the master,
   * `ok` false starts its outage (logged once); `answered` (INFO answered) ends an outage in
   * which it did not answer, but not one in which it refused a write (out of memory): only a
   * write that succeeds (`ok` true) ends that. For the replica, `ok` says it serves reads.
   */
  observe(role: RedisRole, outcome: 'ok' | 'answered' | 'failed', cause?: unknown): void {
    if (role === 'replica') {
      if (outcome !== 'answered') this.markReplica(outcome === 'ok', cause);
      return;
    }
    if (outcome === 'failed') {
      if (this.masterDown) return;
      this.masterDown = { since: Date.now(), refused: cause instanceof ReplyError };
      this.options.log?.(`redis master is down: ${errorMessage(cause)}`);
    } else if (this.masterDown && (outcome === 'ok' || !this.masterDown.refused)) {
      this.masterDown = null;
      this.options.log?.('redis master is back');
    }
  }

  /**
   * Runs `call` on the replica, or on the master when the replica is down. A replica read not
   * answered within `hedgeAfterMs` is also sent to the master and the first answer wins; one
   * that fails goes to the master at once and marks the replica down, so later reads skip it.
   * A read is thus bounded by `hedgeAfterMs` + the master's command timeout, never two
   * timeouts. With the master down too, a replica that still answers serves its possibly stale
   * data rather than nothing. Throws DependencyUnavailableError('redis') when no node answers.
   */
  async read<T>(call: (client: Redis) => Promise<T>): Promise<ServedRead<T>> {
    this.startProbing();
    const { masterName, replicaName } = this.options;
    if (!this.replica || this.replicaDownAt !== null) {
      try {
        return { value: await call(this.master()), servedBy: masterName };
      } catch (error) {
        if (this.replica) {
          try {
            return { value: await call(this.replica()), servedBy: replicaName };
          } catch {
            // Both nodes failed: report the outage below.
          }
        }
        throw new DependencyUnavailableError('redis', { cause: error });
      }
    }
    const fromReplica = call(this.replica()).then((value): ServedRead<T> => ({ value, servedBy: replicaName }));
    let hedge: NodeJS.Timeout | undefined;
    const fromMaster = new Promise<ServedRead<T>>((resolve, reject) => {
      let started = false;
      const start = () => {
        if (started) return;
        started = true;
        clearTimeout(hedge);
        call(this.master()).then((value) => resolve({ value, servedBy: masterName }), reject);
      };
      hedge = setTimeout(start, this.options.hedgeAfterMs ?? 200);
      fromReplica.catch((error: unknown) => {
        this.markReplica(false, error);
        start();
      });
    });
    try {
      return await Promise.any([fromReplica, fromMaster]);
    } catch (error) {
      const causes = error instanceof AggregateError ? error.errors : [error];
      throw new DependencyUnavailableError('redis', { cause: causes[causes.length - 1] });
    } finally {
      clearTimeout(hedge);
    }
  }

  /** Checks the replica now: it answers and its link to the master is up. */
  async probe(): Promise<boolean> {
    if (!this.replica) return (await this.master().ping()) === 'PONG';
    if (this.probing) return this.replicaDownAt === null;
    this.probing = true;
    try {
      const info = await this.replicaInfo();
      return info !== undefined && replicaIsServing(info);
    } finally {
      this.probing = false;
    }
  }

  /**
   * The replica's `INFO replication` now, or undefined when it does not answer (or is the
   * master itself); marks the replica serving or not from it, as a probe does.
   */
  async replicaInfo(): Promise<string | undefined> {
    if (!this.replica) return undefined;
    try {
      const info = await this.replica().info('replication');
      const serving = replicaIsServing(info);
      this.markReplica(serving, serving ? undefined : 'link to the master is not up');
      return info;
    } catch (error) {
      this.markReplica(false, error);
      return undefined;
    }
  }

  private markReplica(serving: boolean, reason?: unknown): void {
    if (serving && this.replicaDownAt !== null) {
      this.replicaDownAt = null;
      this.options.log?.(`redis replica serves reads again`);
    } else if (!serving && this.replicaDownAt === null) {
      this.replicaDownAt = Date.now();
      this.options.log?.(`redis replica does not serve reads (${errorMessage(reason)}); reading from the master`);
    }
  }

  private startProbing(): void {
    if (this.timer || !this.replica) return;
    this.timer = setInterval(() => void this.probe(), this.options.probeIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
