// The local runtime: the whole system on one machine, supervised as Kubernetes would run it.
// In order, each stage gated on the previous one's readiness: the data directory's lock, the
// Redis master then its replica (link up), Postgres, the `api` Functions process, the status
// server and the worker processes (scaled by the local KEDA/HPA, capped at the machine's
// cores), then the web app. `npm start`, the benchmarks, the e2e tests and the runtime's own
// tests all start it through startLocalRuntime().
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';

import { createRedisClient } from '../../functions/src/redis/client.js';
import { parseRedisConnectionString } from '../../functions/src/redis/connection-string.js';
import { DataDirectory } from './data-dir-lock.js';
import { functionSelection, hostCommand, httpAnswers, planFunctions, workerLivenessProbe } from './functions-processes.js';
import { LocalScaler, type ReplicasSource } from './local-scaler.js';
import { ManagedProcess, type ProcessEvents } from './managed-process.js';
import { readMetricsApiTrigger } from './metrics-api-trigger.js';
import { ensureOperatorToken } from './operator-token.js';
import { freePort } from './ports.js';
import { startEmbeddedPostgres } from './postgres.js';
import { type RedisPair, startRedisPair } from './redis-pair.js';
import { parseScaledObject } from './scaling-rules.js';
import type { RuntimeSettings } from './settings.js';
import { type ProcessStatus, startStatusServer } from './status-server.js';

/** `.local/runtime.json`: how other tools find this runtime. */
export interface RuntimeFile {
  apiUrl: string;
  webUrl: string | null;
  runtimeUrl: string;
  pid: number;
  startedAt: number;
}

/** Options for {@link startLocalRuntime}. */
export interface LocalRuntimeOptions {
  root: string;
  settings: Readonly<RuntimeSettings>;
  /** The environment the functions start from (settings such as WORKER_MAX_BATCH_SIZE). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** The runtime's own messages, by source ("runtime", "scaler"). @defaultValue printed */
  log?: (source: string, message: string) => void;
  /** The children's output lines. @defaultValue printed with a [name] prefix */
  output?: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** `scaler`: the local KEDA/HPA runs the workers; `manual`: the caller does (benchmarks). @defaultValue scaler */
  workers?: 'scaler' | 'manual';
  /** Extra node flags for the functions processes (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** The api prints warnings and errors only (as the workers always do). @defaultValue false */
  quietApi?: boolean;
  /** Write `<dataDir>/runtime.json` for the load test and chaos tools. @defaultValue false */
  writeRuntimeFile?: boolean;
  /**
   * Where the worker count comes from instead of the emulated KEDA/HPA rules: the real engines
   * (npm run cluster). Called once Redis and the api are up, with the functions' settings and
   * the api's origin (`http://127.0.0.1:<port>`, where KEDA's metrics-api trigger reads).
   * @defaultValue the emulated rules
   */
  replicasSource?: (functionsEnv: Readonly<Record<string, string>>, apiUrl: string) => Promise<ReplicasSource>;
}

/** A running local runtime. */
export interface LocalRuntime {
  apiUrl: string;
  /** The api's Prometheus endpoint (`…/metrics`). */
  apiMetricsUrl: string;
  webUrl: string | undefined;
  runtimeUrl: string;
  /** The operator credential the functions accept (OPERATOR_TOKEN): not metered by fair use. */
  operatorToken: string;
  /** The functions' settings as the processes got them (REDIS_MASTER, REDIS_REPLICA, DATABASE_URL, …). */
  functionsEnv: Record<string, string>;
  redis: RedisPair | undefined;
  scaler: LocalScaler | undefined;
  /** Every process it supervises now (Redis, PGlite, api, workers, web). */
  processes(): ManagedProcess[];
  /** Starts `count` more worker processes and waits until they run (manual mode). */
  startWorkers(count: number): Promise<void>;
  /** Stops the workers started with startWorkers. */
  stopWorkers(): Promise<void>;
  /** Settles with the reason when a child that must run could not be started at all. */
  failed: Promise<Error>;
  /** Stops everything it started, in reverse order, and releases the data directory. */
  stop(): Promise<void>;
}

function defaultLog(source: string, message: string): void {
  console.log(`[${source}] ${message}`);
}

function defaultOutput(name: string, line: string, stream: 'stdout' | 'stderr'): void {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`[${name}] ${line}\n`);
}

/** local.settings.json's Values, with the environment's values winning (as `func start` does). */
export function functionsSettings(root: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const file = JSON.parse(readFileSync(join(root, 'local.settings.json'), 'utf8')) as { Values?: Record<string, string> };
  const merged: Record<string, string> = { ...file.Values };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

/** Starts the stack; rejects (after stopping what it started) when a part does not start. */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { root, settings } = options;
  const log = options.log ?? defaultLog;
  const say = (message: string) => log('runtime', message);
  const onBusy = (port: number) => say(`port ${port} is busy; using a free one`);
  const directory = await DataDirectory.claim(settings.dataDir, say);
  const events: ProcessEvents = {
    log: say,
    output: options.output ?? defaultOutput,
    spawned: (name, pid) => directory.record(name, pid),
    exited: (_name, pid) => directory.forget(pid),
  };
  let reportFailure: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  const cleanups: (() => Promise<void>)[] = [];
  const managed: ManagedProcess[] = [];
  const workers: ManagedProcess[] = [];
  const runtimeFile = join(settings.dataDir, 'runtime.json');

  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => say(String(error)));
    if (options.writeRuntimeFile) rmSync(runtimeFile, { force: true });
    directory.release();
  };

  try {
    const env = options.env ?? process.env;
    const functionsEnv = functionsSettings(root, env);
    // Fair use is on locally as on AKS; the load test and benchmarks present this token.
    functionsEnv.OPERATOR_TOKEN ||= ensureOperatorToken(settings.dataDir);
    // The web app's /api proxy is a trusted hop: the host takes the browser's address it
    // appends to X-Forwarded-For as the client (local/host/http-server.ts, forwardedFor).
    functionsEnv.ASPNETCORE_FORWARDEDHEADERS_ENABLED ||= 'true';
    let redis: RedisPair | undefined;
    if (settings.externalRedis) {
      say('using the Redis at REDIS_MASTER / REDIS_REPLICA');
      functionsEnv.REDIS_MASTER = settings.externalRedis.master;
      functionsEnv.REDIS_REPLICA = settings.externalRedis.replica;
    } else {
      redis = await startRedisPair({
        dataDir: settings.dataDir,
        masterPort: await freePort(settings.redisMasterPort, onBusy),
        replicaPort: await freePort(settings.redisReplicaPort, onBusy),
        events,
      });
      const pair = redis;
      managed.push(pair.master.process, pair.replica.process);
      cleanups.push(() => pair.stop());
      functionsEnv.REDIS_MASTER = pair.master.connectionString;
      functionsEnv.REDIS_REPLICA = pair.replica.connectionString;
    }
    if (settings.externalDatabaseUrl) {
      say('using the Postgres at DATABASE_URL');
      functionsEnv.DATABASE_URL = settings.externalDatabaseUrl;
    } else {
      const postgres = await startEmbeddedPostgres({
        root,
        dataDir: settings.dataDir,
        port: settings.pglitePort,
        events,
        onBusyPort: onBusy,
      });
      managed.push(postgres.process);
      cleanups.push(() => postgres.process.stop());
      functionsEnv.DATABASE_URL = postgres.url;
    }

    // Validates the functions' settings (a bad one is named) and splits api / worker functions.
    const split = planFunctions(functionsEnv);
    const host = hostCommand(root, { useLocalHost: settings.useLocalHost, nodeFlags: options.nodeFlags });
    say(host.kind === 'func' ? 'Azure Functions Core Tools found: running func start' : 'running the local Functions host');
    const apiPort = await freePort(settings.apiPort, onBusy);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const apiMetricsPort = await freePort(settings.apiMetricsPort, onBusy);
    const api = new ManagedProcess(
      {
        name: 'api',
        command: host.command,
        args: host.args(apiPort, options.quietApi ?? false),
        cwd: root,
        env: { ...functionsEnv, ...functionSelection(split.api), METRICS_PORT: String(apiMetricsPort) },
        fix: 'read the lines above (a bad setting is named there); after changing code run npm run build',
        ready: () => httpAnswers(`${apiUrl}/api/health`),
        readyTimeoutMs: 90_000,
      },
      events,
    );
    await api.start();
    managed.push(api);
    cleanups.push(() => api.stop());

    let workerNumber = 0;
    const startWorkerProcess = (): ManagedProcess => {
      workerNumber += 1;
      // A private loopback port: for the liveness probe, and because `func start` always listens.
      const workerPort = split.workerLiveness || host.kind === 'func' ? freePort() : undefined;
      const worker = new ManagedProcess(
        {
          name: `worker-${workerNumber}`,
          command: host.command,
          args: [],
          cwd: root,
          // On AKS each worker pod serves :9464 on its own address; here they share one, so none does.
          env: { ...functionsEnv, ...functionSelection(split.worker), METRICS_PORT: '0' },
          fix: 'read the lines above; the worker runs the same build as the api (npm run build)',
          readyWhenPrinted: 'Host started',
          readyTimeoutMs: 60_000,
          // Batch work yields to Redis and the API, which share these cores (on AKS each pod
          // has its own CPU request instead).
          niceness: 10,
          // Scale-in lets the batch in flight finish, like terminationGracePeriodSeconds.
          terminationGraceMs: 30_000,
        },
        events,
      );
      workers.push(worker);
      managed.push(worker);
      const started = (async () => {
        const port = await workerPort;
        worker.spec.args = host.args(port, true);
        if (port !== undefined && split.workerLiveness) worker.spec.liveness = workerLivenessProbe(port);
        await worker.start();
      })();
      started.catch((error: unknown) => reportFailure(error as Error));
      return worker;
    };
    const forgetWorker = async (worker: ManagedProcess) => {
      await worker.stop();
      for (const list of [workers, managed]) if (list.includes(worker)) list.splice(list.indexOf(worker), 1);
    };

    let scaler: LocalScaler | undefined;
    if ((options.workers ?? 'scaler') === 'scaler') {
      const spec = parseScaledObject(readFileSync(settings.scaledObjectPath, 'utf8'));
      const tasksKey = functionsEnv.TASKS_KEY || spec.listName;
      if (tasksKey !== spec.listName)
        log('scaler', `TASKS_KEY is "${tasksKey}" but the ScaledObject watches "${spec.listName}"; scaling on "${tasksKey}"`);
      // Outages are reported once by the scaler, not by the client.
      const client = createRedisClient(parseRedisConnectionString(functionsEnv.REDIS_MASTER), {
        role: 'scaler',
        timeoutMs: 2000,
        log: () => undefined,
      });
      const replicasSource = options.replicasSource && (await options.replicasSource(functionsEnv, apiUrl));
      const localScaler = new LocalScaler({
        spec,
        readQueueLength: () => client.llen(tasksKey),
        // The pending-work trigger(s): the manifest's URL, asked of the local api.
        readMetricsApiValues: () =>
          Promise.all((spec.metricsApiTriggers ?? []).map((trigger) => readMetricsApiTrigger(trigger, apiUrl))),
        startWorker: () => {
          const worker = startWorkerProcess();
          return {
            name: worker.name,
            get running() {
              return worker.isReady();
            },
            stop: () => forgetWorker(worker),
          };
        },
        cap: { cap: settings.workerCap, reason: settings.workerCapReason },
        log: (message) => log('scaler', message),
        hpaSyncPeriodSeconds: settings.hpaSyncPeriodSeconds,
        fixedReplicas: settings.fixedWorkers,
        replicasSource,
      });
      scaler = localScaler;
      if (replicasSource && settings.fixedWorkers === undefined) {
        log(
          'scaler',
          `workers follow ${replicasSource.describe} (real KEDA operator + HPA controller); ` +
            `at most ${settings.workerCap} running (${settings.workerCapReason})`,
        );
      } else if (settings.fixedWorkers === undefined) {
        log(
          'scaler',
          `KEDA rules from ${settings.scaledObjectPath}: workers ${spec.minReplicaCount}..${spec.maxReplicaCount}, ` +
            `ceil(LLEN ${tasksKey} / ${spec.listLength}), active when > ${spec.activationListLength}` +
            (spec.metricsApiTriggers ?? [])
              .map(
                (t) =>
                  `; ceil(${t.valueLocation} of ${new URL(t.url).pathname} / ${t.targetValue}), active when > ${t.activationTargetValue}`,
              )
              .join('') +
            ` (the largest wins), polling ${spec.pollingIntervalSeconds} s, ` +
            `cooldown ${spec.cooldownPeriodSeconds} s, HPA sync ${settings.hpaSyncPeriodSeconds} s; ` +
            `at most ${settings.workerCap} running (${settings.workerCapReason})`,
        );
      }
      localScaler.start();
      cleanups.push(async () => {
        await localScaler.stop();
        client.disconnect();
      });
    } else {
      cleanups.push(async () => {
        await Promise.all([...workers].map(forgetWorker));
      });
    }

    const processStatus = (): ProcessStatus[] =>
      managed.map((p) => ({ name: p.name, pid: p.pid ?? null, state: p.state, restarts: p.restarts }));
    const status = await startStatusServer(
      {
        scaler: () => scaler?.snapshot(),
        processes: processStatus,
        replica: redis && {
          stop: () => redis.replica.stop(),
          start: () => redis.replica.start(),
        },
      },
      await freePort(settings.runtimePort, onBusy),
    );
    const statusServer: Server = status.server;
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          statusServer.closeAllConnections();
          statusServer.close(() => resolve());
        }),
    );

    let webUrl: string | undefined;
    if (settings.withWeb) {
      const webPort = await freePort(settings.webPort, onBusy);
      const url = `http://127.0.0.1:${webPort}`;
      const web = new ManagedProcess(
        {
          name: 'web',
          command: process.execPath,
          args: [join(root, 'web', 'scripts', 'serve-standalone.mjs')],
          cwd: join(root, 'web'),
          env: {
            ...env,
            PORT: String(webPort),
            HOSTNAME: '127.0.0.1',
            API_URL: apiUrl,
            LOCAL_RUNTIME_URL: status.url,
          },
          fix: 'build the web app (npm run build --workspace web) and read the lines above',
          ready: () => httpAnswers(`${url}/`),
          readyTimeoutMs: 90_000,
        },
        events,
      );
      await web.start();
      managed.push(web);
      cleanups.push(() => web.stop());
      webUrl = url;
    }

    if (options.writeRuntimeFile) {
      const file: RuntimeFile = {
        apiUrl,
        webUrl: webUrl ?? null,
        runtimeUrl: status.url,
        pid: process.pid,
        startedAt: Date.now(),
      };
      writeFileSync(runtimeFile, JSON.stringify(file, null, 1));
    }

    return {
      apiUrl,
      apiMetricsUrl: `http://127.0.0.1:${apiMetricsPort}/metrics`,
      operatorToken: functionsEnv.OPERATOR_TOKEN,
      webUrl,
      runtimeUrl: status.url,
      functionsEnv,
      redis,
      scaler,
      processes: () => [...managed],
      async startWorkers(count) {
        const started = Array.from({ length: count }, startWorkerProcess);
        const deadline = Date.now() + 60_000;
        while (!started.every((worker) => worker.isReady())) {
          if (Date.now() > deadline) throw new Error('workers did not start within 60 s');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      async stopWorkers() {
        await Promise.all([...workers].map(forgetWorker));
      },
      failed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
