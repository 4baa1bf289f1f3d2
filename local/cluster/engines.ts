// The real control-plane engines (etcd, kube-apiserver, kube-controller-manager, kubectl, KEDA's
// operator, metrics API server and admission webhooks): pinned versions, built once from their Go
// modules into a cache outside the repository, and the CRD files that ship in the same modules.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The pinned releases, and why these.
 *
 * - Kubernetes 1.36: KEDA 2.21 is tested on 1.34–1.36 (keda.sh/docs/2.22/operate/cluster,
 *   "Kubernetes Compatibility"); AKS supports three GA minors at a time and 1.36 is inside
 *   both windows, the newest minor KEDA 2.21 was tested on. v1.36.3 is the newest 1.36 patch on
 *   the Go module proxy (December 2026).
 * - KEDA v2.21.0: the newest KEDA release whose go.mod this machine's Go 1.26 builds
 *   (v2.21.1 declares `go 1.27.4`, which would make the build fetch another toolchain); it is
 *   compiled against k8s.io/client-go v0.36.4, i.e. Kubernetes 1.36.
 * - etcd v3.6.17: Kubernetes 1.36 uses the etcd 3.6 client (k8s.io/kubernetes go.mod); the
 *   newest 3.6 patch. Debian's etcd (3.4.23) is older than kube-apiserver accepts.
 * - Gateway API v1.6.3: its standard-channel CRDs (the manifests use Gateway and HTTPRoute v1);
 *   v1.7.0 needs Go 1.27.
 */
export const engineVersions = Object.freeze({
  kubernetes: 'v1.36.3',
  keda: 'v2.21.0',
  etcd: 'v3.6.17',
  gatewayApi: 'v1.6.3',
});

/** One wrapper module and the binaries built from it. */
interface EngineModule {
  /** Directory name under the cache, keyed by version. */
  key: string;
  goMod: string;
  /** Imports that keep every needed module in go.sum (the tools.go pattern). */
  imports: string[];
  binaries: { name: string; pkg: string }[];
  ldflags: string;
}

const kubernetesStaging = [
  'api',
  'apiextensions-apiserver',
  'apimachinery',
  'apiserver',
  'cli-runtime',
  'client-go',
  'cloud-provider',
  'cluster-bootstrap',
  'code-generator',
  'component-base',
  'component-helpers',
  'controller-manager',
  'cri-api',
  'cri-client',
  'cri-streaming',
  'csi-translation-lib',
  'dynamic-resource-allocation',
  'endpointslice',
  'externaljwt',
  'kms',
  'kube-aggregator',
  'kube-controller-manager',
  'kube-proxy',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'metrics',
  'mount-utils',
  'pod-security-admission',
  'sample-controller',
  'streaming',
];

function kubernetesModule(version: string): EngineModule {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const staging = `v0.${version.replace(/^v1\./, '')}`;
  // k8s.io/kubernetes replaces its staging modules with ./staging/src/… and requires them at
  // v0.0.0, so `go install k8s.io/kubernetes/cmd/…@version` fails (kubernetes#79384); the
  // wrapper points each one at the release published with the same tag. k8s.io/sample-apiserver
  // is only required for the graph (no binary here imports it) and the proxy lacks its v0.36.3.
  const replaces = [
    ...kubernetesStaging.map((name) => `\tk8s.io/${name} => k8s.io/${name} ${staging}`),
    `\tk8s.io/sample-apiserver => k8s.io/sample-apiserver v0.36.6`,
  ];
  const versionVars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  const ldflags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => Object.entries(versionVars).map(([name, value]) => `-X ${pkg}.${name}=${value ?? ''}`))
    .join(' ');
  const binaries = ['kube-apiserver', 'kube-controller-manager', 'kubectl'].map((name) => ({
    name,
    pkg: `k8s.io/kubernetes/cmd/${name}`,
  }));
  return {
    key: `kubernetes-${version}`,
    goMod: `module local/engines/kubernetes\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes ${version}\n\nreplace (\n${replaces.join('\n')}\n)\n`,
    imports: binaries.map((binary) => binary.pkg),
    binaries,
    ldflags: `-s -w ${ldflags}`,
  };
}

function kedaModule(version: string): EngineModule {
  const binaries = [
    { name: 'keda-operator', pkg: 'github.com/kedacore/keda/v2/cmd/operator' },
    { name: 'keda-metrics-apiserver', pkg: 'github.com/kedacore/keda/v2/cmd/adapter' },
    { name: 'keda-admission-webhooks', pkg: 'github.com/kedacore/keda/v2/cmd/webhooks' },
  ];
  // KEDA's go.mod replace and exclude lines (v2.21.0), which a dependent module must repeat.
  const goMod = [
    'module local/engines/keda',
    '',
    'go 1.26.0',
    '',
    `require github.com/kedacore/keda/v2 ${version}`,
    '',
    'replace github.com/nexus-rpc/nexus-proto-annotations v0.1.0 => github.com/nexus-rpc/nexus-proto-annotations v0.1.1-0.20260629224316-835bd8d49cb4',
    '',
    'exclude github.com/go-chi/chi/v5 v5.2.3',
    '',
  ].join('\n');
  return {
    key: `keda-${version}`,
    goMod,
    imports: binaries.map((binary) => binary.pkg),
    binaries,
    // As KEDA's Makefile stamps them (GO_LDFLAGS).
    ldflags: `-s -w -X=github.com/kedacore/keda/v2/version.Version=${version.replace(/^v/, '')} -X=github.com/kedacore/keda/v2/version.GitCommit=${version}`,
  };
}

function etcdModule(version: string): EngineModule {
  // go.etcd.io/etcd/server/v3 replaces its sibling modules with ../api etc.; requiring the
  // released siblings at the same tag from a wrapper builds the same binary.
  const siblings = ['api/v3', 'client/pkg/v3', 'client/v3', 'pkg/v3'];
  const goMod = [
    'module local/engines/etcd',
    '',
    'go 1.26.0',
    '',
    'require (',
    `\tgo.etcd.io/etcd/server/v3 ${version}`,
    ...siblings.map((name) => `\tgo.etcd.io/etcd/${name} ${version}`),
    ')',
    '',
  ].join('\n');
  return {
    key: `etcd-${version}`,
    goMod,
    imports: ['go.etcd.io/etcd/server/v3'],
    binaries: [{ name: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' }],
    ldflags: '-s -w',
  };
}

/** Where engines are cached: `${XDG_CACHE_HOME:-~/.cache}/fib-calculator/engines`. */
export function engineCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fib-calculator', 'engines');
}

/** Absolute paths of every engine binary and CRD directory. */
export interface Engines {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
  kedaOperator: string;
  kedaMetricsApiserver: string;
  kedaAdmissionWebhooks: string;
  /** KEDA's `config/crd/bases` in the pinned module. */
  kedaCrdDir: string;
  /** The Gateway API's `config/crd/standard` in the pinned module. */
  gatewayApiCrdDir: string;
  /** One line per engine: name and version. */
  versions: string[];
}

/** Options of {@link ensureEngines}. */
export interface EnsureEnginesOptions {
  /** Progress lines (one per step, and a heartbeat while Go compiles). */
  log: (message: string) => void;
  /** @defaultValue {@link engineCacheRoot} */
  cacheRoot?: string;
  /** The `go` command. @defaultValue GO, else `go` on the PATH, else /usr/local/go/bin/go */
  go?: string;
  /** Extra niceness for the build. @defaultValue 10 */
  niceness?: number;
}

/** Thrown when Go is missing or a build fails; the message says what to do. */
export class EngineBuildError extends Error {
  override name = 'EngineBuildError';
}

/** Finds a Go toolchain, or undefined. */
export async function findGo(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates = [env.GO, 'go', '/usr/local/go/bin/go'].filter((candidate): candidate is string => !!candidate);
  for (const candidate of candidates) {
    const result = await run(candidate, ['version'], { env }).catch(() => undefined);
    if (result?.code === 0) return candidate;
  }
  return undefined;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?(line: string): void },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-20_000);
      if (!options.onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function goEnv(cacheRoot: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // The machine's toolchain, never a downloaded one; module downloads and build artefacts stay
    // in the engine cache so `rm -rf` of it is a clean start.
    GOTOOLCHAIN: 'local',
    GOMODCACHE: join(cacheRoot, 'go', 'mod'),
    GOCACHE: join(cacheRoot, 'go', 'build'),
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
  };
}

async function buildModule(module: EngineModule, options: Required<EnsureEnginesOptions>): Promise<string> {
  const dir = join(options.cacheRoot, module.key);
  const binDir = join(dir, 'bin');
  const stamp = join(dir, 'built.json');
  if (existsSync(stamp) && module.binaries.every((binary) => existsSync(join(binDir, binary.name)))) return binDir;

  const env = goEnv(options.cacheRoot);
  const started = Date.now();
  const srcDir = join(dir, 'src');
  await mkdir(srcDir, { recursive: true });
  await writeFile(join(srcDir, 'go.mod'), module.goMod);
  await writeFile(
    join(srcDir, 'tools.go'),
    `//go:build tools\n\n// Keeps the engines' modules in go.sum.\npackage tools\n\nimport (\n${module.imports.map((pkg) => `\t_ "${pkg}"`).join('\n')}\n)\n`,
  );
  const nice = (args: string[]) => ['-n', String(options.niceness), options.go, ...args];

  options.log(`${module.key}: resolving modules (go mod tidy)`);
  const tidy = await run('nice', nice(['mod', 'tidy']), { cwd: srcDir, env });
  if (tidy.code !== 0) throw new EngineBuildError(`${module.key}: go mod tidy failed:\n${tidy.stderr.slice(-4000)}`);

  await mkdir(binDir, { recursive: true });
  for (const binary of module.binaries) {
    let compiled = 0;
    let lastReport = Date.now();
    options.log(`${module.key}: building ${binary.name}`);
    const binaryStarted = Date.now();
    const output = join(binDir, `${binary.name}.partial`);
    const build = await run('nice', nice(['build', '-v', '-trimpath', '-ldflags', module.ldflags, '-o', output, binary.pkg]), {
      cwd: srcDir,
      env,
      onLine(line) {
        if (!/^[\w.-]+(\/|$)/.test(line)) return;
        compiled += 1;
        if (Date.now() - lastReport < 30_000) return;
        lastReport = Date.now();
        options.log(`${module.key}: ${binary.name}: ${compiled} packages compiled (${seconds(Date.now() - binaryStarted)})`);
      },
    });
    if (build.code !== 0) {
      throw new EngineBuildError(`${module.key}: go build ${binary.pkg} failed:\n${build.stderr.slice(-4000)}`);
    }
    await rename(output, join(binDir, binary.name));
    options.log(`${module.key}: ${binary.name} built in ${seconds(Date.now() - binaryStarted)}`);
  }
  const goVersion = (await run(options.go, ['version'], { env })).stdout.trim();
  await writeFile(
    stamp,
    JSON.stringify({ builtAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000, goVersion }, null, 2),
  );
  return binDir;
}

/**
 * One build at a time per cache (two test files, or `npm run cluster` beside `npm test`, may ask
 * at once): a lock directory naming its owner's PID; a lock whose owner is gone is taken over.
 */
async function buildLock(cacheRoot: string, log: (message: string) => void): Promise<() => void> {
  const lock = join(cacheRoot, 'build.lock');
  let waiting = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return () => void rm(lock, { recursive: true, force: true });
    } catch {
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      let alive: boolean;
      try {
        process.kill(owner, 0);
        alive = owner > 0;
      } catch {
        alive = false;
      }
      // No PID yet: its owner has just made the directory (give it a few seconds).
      const fresh = owner === 0 && Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? 0) < 10_000;
      if (!alive && !fresh) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!waiting) log(`another build (PID ${owner}) is filling ${cacheRoot}; waiting for it`);
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}

/** Downloads a module (source only, no build) and returns its directory in the module cache. */
async function moduleDir(path: string, version: string, options: Required<EnsureEnginesOptions>): Promise<string> {
  const env = goEnv(options.cacheRoot);
  // Outside any module: GOFLAGS=-mod=mod is refused there.
  const result = await run(options.go, ['mod', 'download', '-json', `${path}@${version}`], {
    cwd: options.cacheRoot,
    env: { ...env, GOFLAGS: '' },
  });
  const parsed = JSON.parse(result.stdout || '{}') as { Dir?: string; Error?: string };
  if (result.code !== 0 || !parsed.Dir) {
    throw new EngineBuildError(`go mod download ${path}@${version} failed: ${parsed.Error ?? result.stderr}`);
  }
  return parsed.Dir;
}

function seconds(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * Builds whatever engine is not in the cache yet (first use: 25–45 min on two busy cores), then
 * returns their paths. Later calls return at once.
 */
export async function ensureEngines(options: EnsureEnginesOptions): Promise<Engines> {
  const go = options.go ?? (await findGo());
  if (!go) {
    throw new EngineBuildError(
      'Go is not installed: the real engines are built from their Go modules (Go 1.26 or newer, https://go.dev/dl/ or apt golang-go if new enough).',
    );
  }
  const resolved: Required<EnsureEnginesOptions> = {
    log: options.log,
    cacheRoot: options.cacheRoot ?? engineCacheRoot(),
    go,
    niceness: options.niceness ?? 10,
  };
  await mkdir(resolved.cacheRoot, { recursive: true });
  const started = Date.now();
  const modules = [etcdModule(engineVersions.etcd), kubernetesModule(engineVersions.kubernetes), kedaModule(engineVersions.keda)];
  const release = enginesBuilt(resolved.cacheRoot) ? () => undefined : await buildLock(resolved.cacheRoot, resolved.log);
  let bins: string[];
  try {
    bins = [];
    for (const module of modules) bins.push(await buildModule(module, resolved));
  } finally {
    release();
  }
  const [etcdBin = '', kubernetesBin = '', kedaBin = ''] = bins;
  const kedaDir = await moduleDir('github.com/kedacore/keda/v2', engineVersions.keda, resolved);
  const gatewayDir = await moduleDir('sigs.k8s.io/gateway-api', engineVersions.gatewayApi, resolved);
  if (Date.now() - started > 5_000) resolved.log(`engines ready in ${seconds(Date.now() - started)} (${resolved.cacheRoot})`);
  return {
    etcd: join(etcdBin, 'etcd'),
    kubeApiserver: join(kubernetesBin, 'kube-apiserver'),
    kubeControllerManager: join(kubernetesBin, 'kube-controller-manager'),
    kubectl: join(kubernetesBin, 'kubectl'),
    kedaOperator: join(kedaBin, 'keda-operator'),
    kedaMetricsApiserver: join(kedaBin, 'keda-metrics-apiserver'),
    kedaAdmissionWebhooks: join(kedaBin, 'keda-admission-webhooks'),
    kedaCrdDir: join(kedaDir, 'config', 'crd', 'bases'),
    gatewayApiCrdDir: join(gatewayDir, 'config', 'crd', 'standard'),
    versions: [
      `etcd ${engineVersions.etcd}`,
      `kube-apiserver, kube-controller-manager, kubectl ${engineVersions.kubernetes}`,
      `KEDA ${engineVersions.keda} (operator, metrics API server, admission webhooks)`,
      `Gateway API CRDs ${engineVersions.gatewayApi} (standard channel)`,
    ],
  };
}

/** Removes one engine's cached build (e.g. after a failed or interrupted build). */
export async function removeEngineBuild(key: string, cacheRoot = engineCacheRoot()): Promise<void> {
  await rm(join(cacheRoot, key), { recursive: true, force: true });
}

/** The build record written after a successful build, if any. */
export async function readBuildRecord(key: string, cacheRoot = engineCacheRoot()): Promise<unknown> {
  const file = join(cacheRoot, key, 'built.json');
  return existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : undefined;
}

/** Whether every engine binary is in the cache already. */
export function enginesBuilt(cacheRoot = engineCacheRoot()): boolean {
  return [etcdModule(engineVersions.etcd), kubernetesModule(engineVersions.kubernetes), kedaModule(engineVersions.keda)].every(
    (module) =>
      existsSync(join(cacheRoot, module.key, 'built.json')) &&
      module.binaries.every((binary) => existsSync(join(cacheRoot, module.key, 'bin', binary.name))),
  );
}

/**
 * REAL_ENGINES: `skip` opts a CI that cannot afford the first build (see README) out of the
 * real-engine tests, loudly; unset or empty runs them; any other value is refused, naming it.
 */
export function realEnginesSkipped(env: NodeJS.ProcessEnv = process.env): boolean {
  const setting = env.REAL_ENGINES;
  if (setting === undefined || setting === '') return false;
  if (setting === 'skip') return true;
  throw new Error(`REAL_ENGINES must be "skip" or unset, got "${setting}"`);
}

/**
 * What tests that need the engines can do here: `built` (run), `buildable` (Go is there: build
 * first, 25–45 min once), `no-go` (skip, saying so) or `skipped` (REAL_ENGINES=skip).
 */
export async function enginesAvailability(
  env: NodeJS.ProcessEnv = process.env,
): Promise<'built' | 'buildable' | 'no-go' | 'skipped'> {
  if (realEnginesSkipped(env)) return 'skipped';
  if (enginesBuilt()) return 'built';
  return (await findGo()) ? 'buildable' : 'no-go';
}
