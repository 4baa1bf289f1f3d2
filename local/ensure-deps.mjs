// Installs what `npm start` and `npm test` need on a fresh clone: the npm dependencies when
// they are missing or older than package-lock.json, and with --system the Debian packages
// the tests drive (redis-server, kubectl, chromium) when they are absent and apt can install
// them (root); otherwise it says exactly what to install. Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockfile = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

/** Debian package → how to tell it is there. */
const systemPackages = [
  {
    name: 'redis-server',
    present: () => onPath('redis-server'),
    why: 'integration tests start their own Redis master and replica',
  },
  {
    name: 'kubernetes-client',
    present: () => onPath('kubectl'),
    why: 'deployment tests render the manifests with kubectl kustomize',
  },
  { name: 'chromium', present: () => existsSync('/usr/bin/chromium'), why: 'end-to-end tests drive a real browser' },
  { name: 'shellcheck', present: () => onPath('shellcheck'), why: 'deployment tests lint scripts/aks/provision.sh' },
  { name: 'prometheus', present: () => onPath('prometheus'), why: 'the metrics test scrapes a stack with a real Prometheus' },
];

export function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function dependenciesAreCurrent() {
  return existsSync(installed) && statSync(installed).mtimeMs >= statSync(lockfile).mtimeMs;
}

export function ensureDependencies() {
  if (dependenciesAreCurrent()) return;
  console.log('Installing npm dependencies (npm ci)…');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm ci failed; fix the error above, then run the command again.');
    process.exit(result.status ?? 1);
  }
}

/**
 * Installs the missing Debian packages among `names` with apt when root; otherwise exits
 * naming them, plus `advice` (another way out) when given.
 */
export function ensureSystemPackages(names = systemPackages.map((p) => p.name), advice = '') {
  const missing = systemPackages.filter((p) => names.includes(p.name) && !p.present());
  if (missing.length === 0) return;
  const list = missing.map((p) => p.name);
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.log(`Installing ${list.join(', ')} with apt-get…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install =
      update.status === 0 &&
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...list], { stdio: 'inherit', env });
    if (install && install.status === 0) return;
    console.error(`apt-get could not install ${list.join(', ')}.`);
  }
  console.error('Missing system packages:');
  for (const p of missing) console.error(`  ${p.name}: ${p.why}`);
  console.error(`Install them (Debian/Ubuntu: sudo apt-get install ${list.join(' ')}) and run the command again.`);
  if (advice) console.error(advice);
  process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureDependencies();
  if (process.argv.includes('--system')) ensureSystemPackages();
}
