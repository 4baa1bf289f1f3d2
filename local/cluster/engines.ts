// The real control-plane engines (etcd, kube-apiserver, kube-controller-manager, kubectl, KEDA's
// operator, metrics API server and admission webhooks): pinned versions, built once from their Go
// modules into a cache outside the repository, and the CRD files that ship in the same modules.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
  /**
   * After a build that failed (recorded in the cache, {@link recordedBuildFailure}): `retry` builds
   * again; `fail` throws the recorded error at once (the real-engine test files, which
   * `npm test`'s build step has just tried for them). @defaultValue retry
   */
  afterFailedBuild?: 'retry' | 'fail';
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

/** What a build's binaries depend on besides the engine version: the wrapper go.mod, ldflags and packages. */
function moduleInputs(module: EngineModule): string {
  const inputs = JSON.stringify({
    goMod: module.goMod,
    ldflags: module.ldflags,
    binaries: module.binaries,
    imports: module.imports,
  });
  return createHash('sha256').update(inputs).digest('hex').slice(0, 16);
}

/** `<module>/built.json`, written after a successful build. */
interface BuildStamp {
  builtAt?: string;
  seconds?: number;
  /** `go version` of the toolchain that built it. */
  goVersion?: string;
  /** {@link moduleInputs} of the build; absent in stamps written before it was recorded. */
  inputs?: string;
}

function readStamp(file: string): BuildStamp | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BuildStamp;
  } catch {
    return undefined;
  }
}

/**
 * Whether a module's binaries in the cache were built from today's inputs: every binary there, and
 * a stamp whose `inputs` hash matches (the directory name already keys the version) and, when Go
 * is here to ask (`goVersion` given), whose toolchain is this one. Without Go the binaries are
 * used as they are: there is nothing to rebuild them with. A stamp without `inputs` was written
 * before inputs were recorded, by the code whose wrappers for the same version are today's; it is
 * accepted (and completed by {@link buildModule}) rather than costing a 40-minute rebuild.
 */
function builtFor(module: EngineModule, cacheRoot: string, goVersion: string | undefined): boolean {
  const dir = join(cacheRoot, module.key);
  const stamp = readStamp(join(dir, 'built.json'));
  if (!stamp || !module.binaries.every((binary) => existsSync(join(dir, 'bin', binary.name)))) return false;
  if (stamp.inputs !== undefined && stamp.inputs !== moduleInputs(module)) return false;
  return goVersion === undefined || stamp.goVersion === undefined || stamp.goVersion === goVersion;
}

async function goVersionOf(go: string): Promise<string> {
  return (await run(go, ['version'], { env: { ...process.env, GOTOOLCHAIN: 'local' } })).stdout.trim();
}

async function buildModule(
  module: EngineModule,
  options: Required<Omit<EnsureEnginesOptions, 'go'>> & { go: string | undefined; goVersion: string | undefined },
): Promise<string> {
  const dir = join(options.cacheRoot, module.key);
  const binDir = join(dir, 'bin');
  const stamp = join(dir, 'built.json');
  if (builtFor(module, options.cacheRoot, options.goVersion)) {
    const record = readStamp(stamp);
    if (record && record.inputs === undefined)
      await writeFile(stamp, JSON.stringify({ ...record, inputs: moduleInputs(module) }, null, 2));
    return binDir;
  }
  const go = options.go;
  if (!go) throw new EngineBuildError(`${module.key} is not built from today's inputs and ${goMissing}`);

  const env = goEnv(options.cacheRoot);
  const started = Date.now();
  const srcDir = join(dir, 'src');
  await mkdir(srcDir, { recursive: true });
  await writeFile(join(srcDir, 'go.mod'), module.goMod);
  await writeFile(
    join(srcDir, 'tools.go'),
    `//go:build tools\n\n// Keeps the engines' modules in go.sum.\npackage tools\n\nimport (\n${module.imports.map((pkg) => `\t_ "${pkg}"`).join('\n')}\n)\n`,
  );
  const nice = (args: string[]) => ['-n', String(options.niceness), go, ...args];

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
  const built: BuildStamp = {
    builtAt: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    goVersion: options.goVersion ?? (await goVersionOf(go)),
    inputs: moduleInputs(module),
  };
  await writeFile(stamp, JSON.stringify(built, null, 2));
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

/** A module path as the module cache spells it (an upper-case letter is `!` + lower case). */
function escapedModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (letter) => `!${letter.toLowerCase()}`);
}

/**
 * A module's source directory in the module cache: there already (no Go needed), else downloaded
 * (source only, no build).
 */
async function moduleDir(path: string, version: string, options: { cacheRoot: string; go: string | undefined }): Promise<string> {
  const cached = join(options.cacheRoot, 'go', 'mod', `${escapedModulePath(path)}@${version}`);
  if (existsSync(join(cached, 'go.mod'))) return cached;
  if (!options.go) throw new EngineBuildError(`${path}@${version} is not in the module cache and ${goMissing}`);
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

const goMissing =
  'Go is not installed: the real engines are built from their Go modules (Go 1.26 or newer, https://go.dev/dl/ or apt golang-go if new enough).';

function engineModules(): EngineModule[] {
  return [etcdModule(engineVersions.etcd), kubernetesModule(engineVersions.kubernetes), kedaModule(engineVersions.keda)];
}

/** Each cached build: its directory under the cache, its binaries and the hash of its inputs (for tests and diagnostics). */
export function engineBuildLayout(): { key: string; binaries: string[]; inputs: string }[] {
  return engineModules().map((module) => ({
    key: module.key,
    binaries: module.binaries.map((binary) => binary.name),
    inputs: moduleInputs(module),
  }));
}

const failureFile = (cacheRoot: string) => join(cacheRoot, 'build-failed.json');

/** The error of the last engine build, if it failed and nothing has been built since. */
export function recordedBuildFailure(cacheRoot = engineCacheRoot()): { at: string; message: string } | undefined {
  try {
    return JSON.parse(readFileSync(failureFile(cacheRoot), 'utf8')) as { at: string; message: string };
  } catch {
    return undefined;
  }
}

/**
 * Builds whatever engine is not in the cache yet, or not from today's inputs (first use: 25–45 min
 * on two busy cores), then returns their paths. Later calls return at once, and need no Go when
 * every binary is built (the CRDs are read from the module cache).
 */
export async function ensureEngines(options: EnsureEnginesOptions): Promise<Engines> {
  const cacheRoot = options.cacheRoot ?? engineCacheRoot();
  const go = options.go ?? (await findGo());
  const goVersion = go ? await goVersionOf(go) : undefined;
  const modules = engineModules();
  const fresh = modules.every((module) => builtFor(module, cacheRoot, goVersion));
  if (!fresh && !go) throw new EngineBuildError(goMissing);
  const failure = recordedBuildFailure(cacheRoot);
  if (!fresh && failure && options.afterFailedBuild === 'fail') {
    throw new EngineBuildError(
      `the engine build failed at ${failure.at} (not retried here; fix the cause, then npm run engines builds again):\n${failure.message}`,
    );
  }
  const resolved = {
    log: options.log,
    cacheRoot,
    go,
    goVersion,
    niceness: options.niceness ?? 10,
    afterFailedBuild: 'retry' as const,
  };
  await mkdir(resolved.cacheRoot, { recursive: true });
  const started = Date.now();
  const release = fresh ? () => undefined : await buildLock(resolved.cacheRoot, resolved.log);
  let bins: string[];
  try {
    bins = [];
    for (const module of modules) bins.push(await buildModule(module, resolved));
    if (!fresh) await rm(failureFile(cacheRoot), { force: true });
  } catch (error) {
    if (error instanceof EngineBuildError)
      await writeFile(failureFile(cacheRoot), JSON.stringify({ at: new Date().toISOString(), message: error.message }, null, 2));
    throw error;
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

/** Whether every engine binary is in the cache already, built from today's inputs (Go's version is not asked here). */
export function enginesBuilt(cacheRoot = engineCacheRoot()): boolean {
  return engineModules().every((module) => builtFor(module, cacheRoot, undefined));
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
