// Routes reads that may lag: to the replica while it is up and linked to the master, else to
// the master, and back to the replica once a probe finds it healthy again. Writes never come
// here: they always go to the master client.
import { isIP } from 'node:net';

import type { Redis } from 'ioredis';

import { DependencyUnavailableError, errorMessage } from '../errors.js';
import type { RedisEndpoint } from './connection-string.js';

/** A read's value and the node that served it (for the `x-served-by` header). */
export interface ServedRead<T> {
  value: T;
  servedBy: string;
}

/**
 * A node's name, as the API reports it: the first DNS label of a host name
 * (redis-0.redis-headless.fib.svc → redis-0), else the role ("master", "replica").
 */
export function nodeName(endpoint: RedisEndpoint, role: 'master' | 'replica'): string {
  if (isIP(endpoint.host) !== 0 || endpoint.host === 'localhost') return role;
  return endpoint.host.split('.')[0] || role;
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

/** Chooses the node for each read; one per process. */
export class ReadRouter {
  private replicaDownAt: number | null = null;
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

  /** Since when the replica has not been serving reads (ms since epoch), or null. */
  get replicaDownSince(): number | null {
    return this.replica ? this.replicaDownAt : null;
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
      const serving = replicaIsServing(await this.replica().info('replication'));
      this.markReplica(serving, serving ? undefined : 'link to the master is not up');
      return serving;
    } catch (error) {
      this.markReplica(false, error);
      return false;
    } finally {
      this.probing = false;
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
