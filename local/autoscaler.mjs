// The local stand-in for KEDA + the HPA: every pollingInterval it reads LLEN of the tasks list
// on the Redis master (as KEDA's redis scaler does) and activates/deactivates the worker
// "Deployment"; every HPA sync period it applies the HPA's rules; then it starts or gracefully
// stops worker processes to match. Rules: ./autoscaler-rules.mjs; numbers: keda/scaledobject.yaml.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';

import { hpaControllerDefaults, hpaStep, kedaStep, newHpaState, parseScaledObject } from './autoscaler-rules.mjs';

/**
 * Runs the scaling loops against injected parts (so tests can drive it with fake workers).
 * `startWorker()` returns `{ name, stop(): Promise<void> }`; `readQueueLength()` resolves LLEN.
 */
export class LocalAutoscaler {
  constructor({
    spec,
    readQueueLength,
    startWorker,
    log = () => undefined,
    publish = async () => undefined,
    hpaSyncPeriodSeconds = hpaControllerDefaults.syncPeriodSeconds,
    fixedReplicas,
    now = Date.now,
  }) {
    this.spec = spec;
    this.readQueueLength = readQueueLength;
    this.startWorker = startWorker;
    this.log = log;
    this.publish = publish;
    this.hpaSyncPeriodSeconds = hpaSyncPeriodSeconds;
    this.fixedReplicas = fixedReplicas;
    this.now = now;
    this.replicas = 0;
    this.workers = [];
    this.stopping = new Set();
    this.hpa = newHpaState();
    this.lastActiveTime = undefined;
    this.isActive = false;
    this.queueLength = 0;
    this.proposal = 0;
    this.lastReason = 'starting';
    this.timers = [];
    this.chain = Promise.resolve();
    this.stopped = false;
    this.readFailing = false;
  }

  /** What the scaler knows now (also what it publishes). */
  snapshot() {
    return {
      mode: this.fixedReplicas === undefined ? 'keda' : 'fixed',
      replicas: this.replicas,
      running: this.workers.length,
      stopping: this.stopping.size,
      proposal: this.proposal,
      active: this.isActive,
      queueLength: this.queueLength,
      lastActiveTime: this.lastActiveTime ?? null,
      reason: this.lastReason,
      minReplicaCount: this.spec.minReplicaCount,
      maxReplicaCount: this.spec.maxReplicaCount,
      listLength: this.spec.listLength,
      activationListLength: this.spec.activationListLength,
      pollingInterval: this.spec.pollingIntervalSeconds,
      cooldownPeriod: this.spec.cooldownPeriodSeconds,
      hpaSyncPeriod: this.hpaSyncPeriodSeconds,
      updatedAt: this.now(),
    };
  }

  /** Starts both loops (KEDA's first pass runs at once, like a new ScaledObject). */
  start() {
    if (this.fixedReplicas !== undefined) {
      this.setReplicas(this.fixedReplicas, `WORKERS=${this.fixedReplicas} pins the count`);
      return this;
    }
    this.serial(() => this.kedaTick());
    this.timers.push(setInterval(() => this.serial(() => this.kedaTick()), this.spec.pollingIntervalSeconds * 1000));
    this.timers.push(setInterval(() => this.serial(() => this.hpaTick()), this.hpaSyncPeriodSeconds * 1000));
    for (const timer of this.timers) timer.unref?.();
    return this;
  }

  /** Stops the loops and every worker (gracefully). */
  async stop() {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.chain;
    const workers = this.workers.splice(0);
    await Promise.all([...workers.map((worker) => worker.stop()), ...this.stopping]);
  }

  serial(step) {
    this.chain = this.chain
      .then(() => (this.stopped ? undefined : step()))
      .catch((error) => this.log(`scaler step failed: ${error instanceof Error ? error.message : String(error)}`));
    return this.chain;
  }

  async measure() {
    try {
      const length = await this.readQueueLength();
      if (this.readFailing) this.log('queue length readable again');
      this.readFailing = false;
      this.queueLength = length;
      return length;
    } catch (error) {
      // KEDA keeps the current count when a scaler errors (no fallback configured).
      if (!this.readFailing)
        this.log(
          `cannot read the queue length (${error instanceof Error ? error.message : String(error)}); keeping ${this.replicas} worker(s)`,
        );
      this.readFailing = true;
      return undefined;
    }
  }

  /** One KEDA polling pass: activation 0 -> min(1) and deactivation -> 0 after cooldownPeriod. */
  async kedaTick() {
    const queueLength = await this.measure();
    if (queueLength === undefined) return;
    const step = kedaStep({
      spec: this.spec,
      queueLength,
      currentReplicas: this.replicas,
      lastActiveTime: this.lastActiveTime,
      now: this.now(),
    });
    this.isActive = step.isActive;
    this.lastActiveTime = step.lastActiveTime;
    if (step.replicas !== undefined && step.replicas !== this.replicas) {
      const why =
        step.reason === 'activated'
          ? `KEDA activated: queue ${queueLength} > activationListLength ${this.spec.activationListLength}`
          : step.reason === 'deactivated'
            ? `KEDA: queue empty for cooldownPeriod ${this.spec.cooldownPeriodSeconds} s`
            : `KEDA: ${step.reason}`;
      this.setReplicas(step.replicas, why);
    }
    await this.publishState();
  }

  /** One HPA sync: desired = ceil(queue / listLength) with tolerance, windows and policies. */
  async hpaTick() {
    const queueLength = await this.measure();
    if (queueLength === undefined) return;
    const step = hpaStep({
      spec: this.spec,
      state: this.hpa,
      metricValue: queueLength,
      currentReplicas: this.replicas,
      now: this.now(),
    });
    this.proposal = step.proposal;
    if (step.replicas !== this.replicas) {
      this.setReplicas(
        step.replicas,
        `HPA: queue ${queueLength} / listLength ${this.spec.listLength} -> ${step.proposal} (${step.reason})`,
      );
    }
    await this.publishState();
  }

  setReplicas(replicas, why) {
    if (replicas !== this.replicas) this.log(`workers ${this.replicas} -> ${replicas}  (${why})`);
    this.lastReason = why;
    this.replicas = replicas;
    while (this.workers.length < replicas) this.workers.push(this.startWorker());
    while (this.workers.length > replicas) {
      // Like a ReplicaSet scaling in, the newest pod goes first; it finishes its batch (SIGTERM).
      const worker = this.workers.pop();
      const stopped = worker.stop().finally(() => this.stopping.delete(stopped));
      this.stopping.add(stopped);
    }
  }

  async publishState() {
    try {
      await this.publish(this.snapshot());
    } catch {
      /* the state is informational; the next pass tries again */
    }
  }
}

function writeJsonAtomically(path, value) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(value));
  renameSync(temporary, path);
}

/**
 * Wires {@link LocalAutoscaler} for `npm start`: reads the ScaledObject (KEDA_SCALEDOBJECT,
 * default keda/scaledobject.yaml), LLEN from REDIS_MASTER, publishes its state to Redis
 * (`<prefix>fib:autoscaler`) and to `<dataDir>/autoscaler.json`, and writes
 * `<dataDir>/runtime.json` so `npm run loadtest` finds the API.
 */
export async function startLocalAutoscaler({ root, dataDir, env, runtime, apiPort, startWorker, say }) {
  // The functions' own Redis factory and key names, from the build npm start just made.
  const built = (path) => import(pathToFileURL(join(root, 'dist', 'functions', 'src', ...path)).href);
  const [{ parseRedisConnectionString }, { createRedisClient }, { redisKeys }] = await Promise.all([
    built(['redis', 'connection-string.js']),
    built(['redis', 'client.js']),
    built(['redis', 'keys.js']),
  ]);
  const scaledObjectPath = resolve(root, env.KEDA_SCALEDOBJECT ?? join('keda', 'scaledobject.yaml'));
  const spec = parseScaledObject(readFileSync(scaledObjectPath, 'utf8'));
  const tasksKey = runtime.TASKS_KEY || spec.listName;
  if (tasksKey !== spec.listName)
    say(`TASKS_KEY is "${tasksKey}" but the ScaledObject watches "${spec.listName}"; scaling on "${tasksKey}"`);
  const endpoint = parseRedisConnectionString(runtime.REDIS_MASTER);
  // Outages are reported once by the scaler's measure(), not by the client.
  const redis = createRedisClient(endpoint, { role: 'autoscaler', timeoutMs: 2000, log: () => undefined });
  const stateKey = redisKeys(tasksKey, runtime.REDIS_KEY_PREFIX ?? '').autoscaler;
  mkdirSync(dataDir, { recursive: true });
  const stateFile = join(dataDir, 'autoscaler.json');
  writeJsonAtomically(join(dataDir, 'runtime.json'), {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    autoscalerStateFile: stateFile,
    pid: process.pid,
    startedAt: Date.now(),
  });

  const fixed = env.WORKERS === undefined || env.WORKERS === '' ? undefined : Number(env.WORKERS);
  if (fixed !== undefined && (!Number.isInteger(fixed) || fixed < 0))
    throw new Error(`WORKERS must be a whole number >= 0, got "${env.WORKERS}"`);
  const hpaSync = env.HPA_SYNC_PERIOD_SECONDS ? Number(env.HPA_SYNC_PERIOD_SECONDS) : hpaControllerDefaults.syncPeriodSeconds;
  if (!Number.isInteger(hpaSync) || hpaSync < 1)
    throw new Error(`HPA_SYNC_PERIOD_SECONDS must be a whole number >= 1, got "${env.HPA_SYNC_PERIOD_SECONDS}"`);

  const scaler = new LocalAutoscaler({
    spec,
    readQueueLength: () => redis.llen(tasksKey),
    startWorker,
    log: say,
    hpaSyncPeriodSeconds: hpaSync,
    fixedReplicas: fixed,
    publish: async (state) => {
      writeJsonAtomically(stateFile, state);
      await redis.hset(stateKey, Object.fromEntries(Object.entries(state).map(([name, value]) => [name, String(value)])));
    },
  });
  if (fixed === undefined) {
    say(
      `KEDA rules from ${env.KEDA_SCALEDOBJECT ?? 'keda/scaledobject.yaml'}: workers ${spec.minReplicaCount}..${spec.maxReplicaCount}, ` +
        `ceil(LLEN ${tasksKey} / ${spec.listLength}), active when > ${spec.activationListLength}, polling ${spec.pollingIntervalSeconds} s, ` +
        `cooldown ${spec.cooldownPeriodSeconds} s, HPA sync ${hpaSync} s (WORKERS=N pins a fixed count)`,
    );
  }
  scaler.start();
  await scaler.publishState();
  return {
    scaler,
    async stop() {
      await scaler.stop();
      redis.disconnect();
    },
  };
}
