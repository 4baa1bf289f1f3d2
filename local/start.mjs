// `npm start`: the whole system on one machine, from a fresh clone. Installs npm packages and
// redis-server when missing, builds, then runs a Redis master + replica, Postgres (embedded
// PGlite unless DATABASE_URL is set), the functions (`func start` when Core Tools is on PATH,
// else the local host) and the web app. Ctrl-C stops exactly what it started.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { setPriority } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { ensureDependencies, ensureSystemPackages, onPath } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const children = [];
let shuttingDown = false;

function say(message) {
  console.log(`[start] ${message}`);
}

function fail(message) {
  console.error(`[start] ${message}`);
  void shutdown(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`[start] "${command} ${args.join(' ')}" failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

/** A free TCP port: `preferred` when it is free, else one the OS picks. */
async function freePort(preferred) {
  const tryListen = (port) =>
    new Promise((resolvePort) => {
      const server = createServer();
      server.once('error', () => resolvePort(undefined));
      server.listen(port, '127.0.0.1', () => {
        const { port: chosen } = server.address();
        server.close(() => resolvePort(chosen));
      });
    });
  if (preferred > 0) {
    const port = await tryListen(preferred);
    if (port) return port;
    say(`port ${preferred} is busy; using another one`);
  }
  return tryListen(0);
}

function portAnswers(port) {
  return new Promise((resolveAnswer) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once('error', () => resolveAnswer(false));
  });
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (shuttingDown) return;
    if (await check()) return;
    await sleep(200);
  }
  fail(`${what} did not come up within ${timeoutMs / 1000} s`);
  await new Promise(() => undefined);
}

/** Starts a child in its own process group, prefixing its output; its exit stops everything. */
function startChild(name, command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream, target) => {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (!options.quiet?.(line)) target.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    child.exited = true;
    if (!shuttingDown) fail(`${name} exited (${signal ?? `code ${code}`}); stopping everything`);
  });
  children.push({ name, child });
  return child;
}

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping…');
  for (const { child } of [...children].reverse()) {
    if (!child.exited) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  const deadline = Date.now() + 10_000;
  while (children.some(({ child }) => !child.exited) && Date.now() < deadline) await sleep(100);
  for (const { name, child } of children) {
    if (!child.exited) {
      say(`${name} did not stop in time; killing it`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  process.exit(code);
}

function newestMtime(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (['node_modules', '.next', 'e2e', 'test', 'mocks'].includes(entry.name)) continue;
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether the replica on `port` has a live link to its master (INFO replication). */
async function replicaLinked(port) {
  // ioredis is installed by now (ensureDependencies ran first), so it is imported here.
  const { Redis } = await import('ioredis');
  const client = new Redis({ port, lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.info('replication')).includes('master_link_status:up');
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function startRedis(dataDir, settings) {
  const masterPort = await freePort(Number(env.REDIS_MASTER_PORT ?? portOf(settings.REDIS_MASTER, 6380)));
  const replicaPort = await freePort(Number(env.REDIS_REPLICA_PORT ?? portOf(settings.REDIS_REPLICA, 6381)));
  const common = ['--bind', '127.0.0.1', '--protected-mode', 'yes', '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
  for (const [role, port, extra] of [
    ['redis-master', masterPort, ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']],
    ['redis-replica', replicaPort, ['--replicaof', '127.0.0.1', String(masterPort), '--replica-read-only', 'yes']],
  ]) {
    const dir = join(dataDir, role);
    mkdirSync(dir, { recursive: true });
    startChild(role, 'redis-server', ['--port', String(port), '--dir', dir, ...common, ...extra], {
      quiet: (line) => !/error|fatal|can't|cannot/i.test(line),
    });
  }
  await waitFor('Redis master', () => portAnswers(masterPort), 15_000);
  await waitFor('Redis replica link', () => replicaLinked(replicaPort), 30_000);
  return {
    REDIS_MASTER: `127.0.0.1:${masterPort},ssl=False,abortConnect=False`,
    REDIS_REPLICA: `127.0.0.1:${replicaPort},ssl=False,abortConnect=False`,
  };
}

function portOf(connectionString, fallback) {
  const match = /^[^,:]+:(\d+)/.exec(connectionString ?? '');
  return match ? Number(match[1]) : fallback;
}

async function startPostgres(dataDir) {
  const port = await freePort(Number(env.PGLITE_PORT ?? 5433));
  startChild('pglite', process.execPath, [
    join(root, 'local', 'pglite-server.mjs'),
    '--port',
    String(port),
    '--data',
    join(dataDir, 'pgdata'),
  ]);
  await waitFor('PGlite', () => portAnswers(port), 60_000);
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

function selectFunctions(names) {
  return Object.fromEntries(names.map((name, i) => [`AzureFunctionsJobHost__functions__${i}`, name]));
}

async function httpAnswers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.status < 500;
  } catch {
    return false;
  }
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  ensureDependencies();
  say('building the functions…');
  run('npm', ['run', '--silent', 'build']);
  const withWeb = env.NO_WEB !== '1' && existsSync(join(root, 'web', 'app'));
  if (withWeb) {
    const buildId = join(root, 'web', '.next', 'BUILD_ID');
    if (!existsSync(buildId) || statSync(buildId).mtimeMs < newestMtime(join(root, 'web'))) {
      say('building the web app (next build)…');
      run('npm', ['run', '--silent', 'build', '--workspace', 'web']);
    }
  }

  const settings = JSON.parse(readFileSync(join(root, 'local.settings.json'), 'utf8')).Values;
  const dataDir = resolve(root, env.LOCAL_DATA_DIR ?? '.local');
  mkdirSync(dataDir, { recursive: true });
  const runtime = { ...settings };
  for (const name of Object.keys(runtime)) if (env[name] !== undefined) runtime[name] = env[name];

  if (env.REDIS_MASTER) {
    say(`using the Redis at REDIS_MASTER${env.REDIS_REPLICA ? ' and REDIS_REPLICA' : ''}`);
    runtime.REDIS_REPLICA = env.REDIS_REPLICA ?? env.REDIS_MASTER;
  } else {
    ensureSystemPackages(
      ['redis-server'],
      'Or point REDIS_MASTER (and REDIS_REPLICA) at a Redis you run, e.g. REDIS_MASTER="127.0.0.1:6379,ssl=False".',
    );
    Object.assign(runtime, await startRedis(dataDir, settings));
  }
  if (env.DATABASE_URL) say('using the Postgres at DATABASE_URL');
  else runtime.DATABASE_URL = await startPostgres(dataDir);

  const apiPort = await freePort(Number(env.API_PORT ?? 7071));
  const functionsEnv = { ...runtime };
  if (onPath('func') && env.USE_LOCAL_HOST !== '1') {
    say('Azure Functions Core Tools found: running func start');
    startChild('func', 'func', ['start', '--port', String(apiPort)], { env: functionsEnv });
  } else {
    say('Core Tools (func) not on PATH: running the local Functions host');
    const host = join(root, 'dist', 'local', 'host', 'main.js');
    // Like the `api` Deployment: every function but the list trigger, named from the app's
    // own registrations (the build just made them).
    const built = (...path) => import(pathToFileURL(join(root, 'dist', 'functions', 'src', ...path)).href);
    const [{ loadConfig }, { buildRegistrations }] = await Promise.all([built('config.js'), built('registrations.js')]);
    const apiFunctions = buildRegistrations(loadConfig(functionsEnv))
      .filter((registration) => registration.kind !== 'redisList')
      .map((registration) => registration.name);
    startChild('api', process.execPath, [host, '--port', String(apiPort)], {
      env: { ...functionsEnv, ...selectFunctions(apiFunctions) },
    });
    // --- worker processes (the local stand-in for the KEDA-scaled worker Deployment) ---
    // local/autoscaler.mjs applies KEDA's and the HPA's rules with the numbers in
    // keda/scaledobject.yaml (0 workers while the queue is empty); WORKERS=N pins N workers.
    const { startLocalAutoscaler } = await import('./autoscaler.mjs');
    let workerNumber = 0;
    const startWorker = () => {
      if (shuttingDown) return { name: 'none', stop: async () => undefined };
      workerNumber += 1;
      const name = `worker-${workerNumber}`;
      const child = startChild(name, process.execPath, [host, '--quiet'], {
        env: { ...functionsEnv, ...selectFunctions(['fib-worker']) },
      });
      // On one machine up to maxReplicaCount workers compete for the same few cores with Redis,
      // Postgres and the API; as batch work they get a lower priority, so Redis keeps answering
      // within its timeout (on AKS each pod has its own CPU request instead).
      try {
        setPriority(child.pid, 10);
      } catch {
        /* not permitted here: run at normal priority */
      }
      return {
        name,
        // Scale-in: SIGTERM (the host finishes its batch, exits 0); this exit is intended, so it
        // replaces startChild's "unexpected exit stops everything" listener first.
        async stop() {
          if (child.exited || shuttingDown) return;
          child.removeAllListeners('exit');
          const exited = new Promise((resolveExit) =>
            child.once('exit', () => {
              child.exited = true;
              const position = children.findIndex((entry) => entry.child === child);
              if (position >= 0) children.splice(position, 1);
              resolveExit();
            }),
          );
          try {
            process.kill(-child.pid, 'SIGTERM');
          } catch {
            /* already gone */
          }
          await Promise.race([exited, sleep(30_000)]);
          if (!child.exited) {
            say(`${name} did not stop within 30 s; killing it`);
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              /* already gone */
            }
            await exited;
          }
        },
      };
    };
    await startLocalAutoscaler({
      root,
      dataDir,
      env,
      runtime: functionsEnv,
      apiPort,
      startWorker,
      say: (message) => console.log(`[autoscaler] ${message}`),
    });
    // --- end of worker processes ---
  }
  await waitFor('the functions (GET /api/health)', () => httpAnswers(`http://127.0.0.1:${apiPort}/api/health`), 60_000);

  let webPort;
  if (withWeb) {
    webPort = await freePort(Number(env.WEB_PORT ?? 3000));
    startChild('web', 'npm', ['run', '--silent', 'start', '--workspace', 'web'], {
      env: { PORT: String(webPort), HOSTNAME: '127.0.0.1', API_URL: `http://127.0.0.1:${apiPort}` },
    });
    await waitFor('the web app', () => httpAnswers(`http://127.0.0.1:${webPort}/`), 60_000);
  }

  console.log('');
  if (webPort) console.log(`  Web UI:   http://localhost:${webPort}`);
  console.log(
    `  API:      http://localhost:${apiPort}/api  (try: curl -X POST localhost:${apiPort}/api/values -d '{"index":12}')`,
  );
  console.log(`  Redis:    master ${runtime.REDIS_MASTER.split(',')[0]}, replica ${runtime.REDIS_REPLICA.split(',')[0]}`);
  console.log(`  Postgres: ${runtime.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}`);
  console.log('  READY — press Ctrl-C to stop everything started here.\n');
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
