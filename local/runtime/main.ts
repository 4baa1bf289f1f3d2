// `npm start`: builds what is stale, then runs the whole system on this machine through the
// local runtime (./local-runtime.ts) until Ctrl-C, SIGTERM or SIGHUP (a closed terminal), which
// all stop exactly what it started. package.json runs ../ensure-deps.mjs first (npm packages).
// `npm run cluster` (--engines real) runs the same system with the real engines in the loop:
// etcd, kube-apiserver, kube-controller-manager and KEDA (../cluster/), the manifests applied to
// them, and the workers following the worker Deployment's replicas as KEDA and the HPA set them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { type EngineCluster, startEngineCluster } from '../cluster/engine-cluster.js';
import { functionsBuild } from './functions-processes.js';
import { type LocalRuntime, startLocalRuntime } from './local-runtime.js';
import { loadRuntimeSettings } from './settings.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (message: string) => console.log(`[runtime] ${message}`);

/** The plain-JS bootstrap (it runs before node_modules exists, so it has no types). */
interface Bootstrap {
  ensureSystemPackages(names: string[], advice: string): void;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[runtime] "${command} ${args.join(' ')}" failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (['node_modules', '.next', 'e2e', 'test', 'mocks'].includes(entry.name)) continue;
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

async function main(): Promise<void> {
  // --skip-build: run what dist/ and web/.next hold (tests build once, then start many times).
  // --engines real: npm run cluster.
  const { values: flags } = parseArgs({
    options: { 'skip-build': { type: 'boolean', default: false }, engines: { type: 'string', default: 'emulated' } },
  });
  if (flags.engines !== 'emulated' && flags.engines !== 'real') {
    console.error(`[runtime] --engines must be "emulated" or "real", not "${flags.engines}"`);
    process.exit(2);
  }
  const realEngines = flags.engines === 'real';
  let cluster: EngineCluster | undefined;
  let settings;
  try {
    settings = loadRuntimeSettings(process.env, root);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  let runtime: LocalRuntime | undefined;
  let starting = false;
  let stopRequested: string | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number, why: string) => {
    stopping ??= (async () => {
      say(`${why}: stopping…`);
      await runtime?.stop();
      await cluster?.stop();
      say(
        'stopped everything npm start started (Redis, Postgres, the functions, the web app); its data stays in the data directory',
      );
      process.exit(code);
    })();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (runtime || cluster) shutdown(0, signal);
      // While the runtime starts, it stops once started (or stops itself when a part fails).
      else if (starting) stopRequested = signal;
      else process.exit(130); // still building: nothing of ours runs yet
    });
  }

  const skipBuild = flags['skip-build'];
  const build = functionsBuild(root, skipBuild);
  if (build !== 'skip') {
    say(
      build === 'first'
        ? '--skip-build: there is no build in dist/ yet, so building the functions once…'
        : 'building the functions…',
    );
    run('npm', ['run', '--silent', 'build']);
  }
  if (settings.withWeb) {
    const buildId = join(root, 'web', '.next', 'BUILD_ID');
    const built = existsSync(buildId);
    if (!built || (!skipBuild && statSync(buildId).mtimeMs < newestMtime(join(root, 'web')))) {
      say('building the web app (next build)…');
      run('npm', ['run', '--silent', 'build', '--workspace', 'web']);
    }
  }
  if (!settings.externalRedis) {
    const bootstrap = (await import(pathToFileURL(join(root, 'local', 'ensure-deps.mjs')).href)) as Bootstrap;
    bootstrap.ensureSystemPackages(
      ['redis-server'],
      'Or point REDIS_MASTER (and REDIS_REPLICA) at a Redis you run, e.g. REDIS_MASTER="127.0.0.1:6379,ssl=False".',
    );
  }

  try {
    starting = true;
    if (realEngines) {
      cluster = await startEngineCluster({
        root,
        dataDir: settings.dataDir,
        scaledObjectPath: settings.scaledObjectPath,
        hpaSyncPeriodSeconds: settings.hpaSyncPeriodSeconds,
        apiServerPort: settings.clusterApiPort,
        log: (message) => console.log(`[cluster] ${message}`),
      });
    }
    const replicasSource = cluster?.deployApp;
    runtime = await startLocalRuntime({ root, settings, writeRuntimeFile: true, replicasSource });
  } catch (error) {
    console.error(`[runtime] ${(error as Error).message}`);
    await cluster?.stop();
    process.exit(1);
  }
  if (stopRequested) return shutdown(0, stopRequested);
  void runtime.failed.then((error) => {
    console.error(`[runtime] ${error.message}`);
    shutdown(1, 'a worker could not start');
  });

  const redis = runtime.functionsEnv.REDIS_MASTER?.split(',')[0];
  const replica = runtime.functionsEnv.REDIS_REPLICA?.split(',')[0];
  const api = runtime.apiUrl.replace('127.0.0.1', 'localhost');
  console.log('');
  if (runtime.webUrl) console.log(`  Web UI:   ${runtime.webUrl.replace('127.0.0.1', 'localhost')}`);
  console.log(
    `  API:      ${api}/api  (try: curl -X POST ${api}/api/values -H 'content-type: application/json' -d '{"index":12}')`,
  );
  console.log(`  Metrics:  ${runtime.apiMetricsUrl.replace('127.0.0.1', 'localhost')}  (Prometheus text; the api's)`);
  console.log(`  Redis:    master ${redis}, replica ${replica}`);
  console.log(`  Postgres: ${runtime.functionsEnv.DATABASE_URL?.replace(/:[^:@/]*@/, ':***@')}`);
  if (cluster) {
    console.log(`  Cluster:  ${cluster.controlPlane.server}  (${cluster.engines.versions.join('; ')})`);
    console.log(`  kubectl:  export KUBECONFIG=${cluster.controlPlane.kubeconfig}; kubectl get scaledobject,hpa,deploy -n fib`);
    console.log(`            (a kubectl of the server's version: ${cluster.engines.kubectl})`);
    console.log(`  Logs:     ${cluster.dir}/logs/  (no kubelet: pods stay Pending; the worker processes here stand in for them)`);
    console.log(
      `  Scaler:   ${runtime.runtimeUrl}/scaler  (workers follow spec.replicas set by the real KEDA + HPA, capped at ${settings.workerCap})`,
    );
  } else {
    console.log(`  Scaler:   ${runtime.runtimeUrl}/scaler  (workers: KEDA desired vs running, capped at ${settings.workerCap})`);
  }
  console.log('  READY — press Ctrl-C to stop everything started here.\n');
}

void main();
