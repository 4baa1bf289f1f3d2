// scripts/aks/provision.sh: shellcheck-clean, its --dry-run prints the whole plan in order
// without running a single az/kubectl/curl/openssl command, the overlay it applies points
// at the registry and tag it built and at the Key Vault it filled, the Key Vault secrets it
// writes are the ones the SecretProviderClass reads (values never shown), the unsupported
// NGINX edge is refused unless asked for, a re-run against a cluster that has
// everything creates nothing, and --otlp-endpoint hands its URL to the Secret the
// otel-traces component reads on stdin only.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { imageBaseName, named, renderKustomization, repoRoot, workloads } from './manifests.js';

const script = path.join(repoRoot, 'scripts/aks/provision.sh');
const root = mkdtempSync(path.join(tmpdir(), 'provision-test-'));
const fakeLog = path.join(root, 'calls.log');

/** az, kubectl, curl and openssl stand-ins that log every call; FAKE_MODE decides answers. What
 * `kubectl create secret generic fib-otel` reads on stdin is kept in FAKE_LOG.stdin. */
function installFakes(): string {
  const bin = path.join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  const fake = `#!/usr/bin/env bash
name=$(basename "$0")
echo "$name $*" >> "$FAKE_LOG"
[ "$FAKE_MODE" = exists ] || exit 97
case "$name $*" in
  "az version"*) echo "\${FAKE_AZ_VERSION:-2.87.0}" ;;
  "az account show"*) echo subscription ;;
  "az aks show"*networkPolicy*) echo cilium ;;
  "az aks show"*oidcIssuerProfile*) echo https://issuer.example/ ;;
  "az role assignment list"*) echo /role-assignment ;;
  "az acr repository show"*) echo sha256:0123456789abcdef ;;
  "kubectl "*"create secret generic fib-otel"*) cat > "$FAKE_LOG.stdin" ;;
  "kubectl "*jsonpath=*addresses*) printf 20.0.0.1 ;;
  "curl "*"-X POST"*) echo '{"working":true,"index":12,"status":"done"}' ;;
  "curl "*) echo '{"index":12,"status":"done","value":"144","digits":3}' ;;
  "openssl "*) exit 98 ;;
esac
exit 0
`;
  for (const name of ['az', 'kubectl', 'curl', 'openssl']) {
    writeFileSync(path.join(bin, name), fake);
    chmodSync(path.join(bin, name), 0o755);
  }
  return bin;
}
const fakeBin = installFakes();

/** Every kustomization file under k8s/, to show that the script edits none of them. */
function kustomizationFiles(): Record<string, string> {
  const listed = spawnSync('git', ['ls-files', 'k8s/**/kustomization.yaml', 'keda/kustomization.yaml'], {
    cwd: repoRoot,
    encoding: 'utf8',
  }).stdout;
  const files = listed.split('\n').filter(Boolean);
  return Object.fromEntries(files.map((file) => [file, readFileSync(path.join(repoRoot, file), 'utf8')]));
}
const kustomizationsBefore = kustomizationFiles();

function provision(args: string[], mode: 'refuse' | 'exists', extraEnv: Record<string, string> = {}) {
  const scriptTmp = path.join(root, 'tmp');
  mkdirSync(scriptTmp, { recursive: true });
  writeFileSync(fakeLog, '');
  writeFileSync(`${fakeLog}.stdin`, '');
  const result = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    env: {
      PATH: `${fakeBin}:${process.env.PATH ?? ''}`,
      HOME: root,
      TMPDIR: scriptTmp,
      FAKE_MODE: mode,
      FAKE_LOG: fakeLog,
      RG: 'fib-test-rg',
      AKS: 'fib-test-aks',
      TAG: 'test-tag',
      ...extraEnv,
    },
    timeout: 60_000,
  });
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
    calls: readFileSync(fakeLog, 'utf8'),
    stdinOfOtelSecret: readFileSync(`${fakeLog}.stdin`, 'utf8'),
  };
}

/** Index of the first plan line matching each pattern, in the order given. */
function positions(output: string, patterns: RegExp[]): number[] {
  const lines = output.split('\n');
  return patterns.map((pattern) => lines.findIndex((line) => pattern.test(line)));
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('scripts/aks/provision.sh', () => {
  it('is shellcheck-clean', () => {
    const check = spawnSync('shellcheck', ['--shell=bash', script], { encoding: 'utf8' });
    expect(check.error, 'shellcheck is not installed (npm test installs Debian shellcheck)').toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  describe('--dry-run (gateway edge, the default)', () => {
    const run = provision(['--dry-run'], 'refuse');

    it('exits 0 and runs no az, kubectl, curl or openssl command', () => {
      expect(run.status, run.output).toBe(0);
      expect(run.calls).toBe('');
    });

    it('prints the whole plan in order, from resource group to smoke check', () => {
      const order = positions(run.output, [
        /^\+ az group create -n fib-test-rg/,
        /^\+ az acr create -g fib-test-rg -n fib[0-9a-f]{12} --sku Basic/,
        /^\+ az aks create -g fib-test-rg -n fib-test-aks .*--network-dataplane cilium .*--enable-keda --enable-gateway-api --enable-app-routing-istio --enable-addons azure-keyvault-secrets-provider --enable-secret-rotation --enable-oidc-issuer --enable-workload-identity --enable-azure-monitor-metrics --attach-acr fib[0-9a-f]{12}/,
        /^\+ az aks get-credentials -g fib-test-rg -n fib-test-aks/,
        /^\+ until the SecretProviderClass CRD is served/,
        /^\+ until the Managed Prometheus PodMonitor CRD is served/,
        /^\+ until GatewayClass approuting-istio exists/,
        /^\+ az keyvault create -g fib-test-rg -n fibkv-[0-9a-f]{12} .*--enable-rbac-authorization true/,
        /^\+ az identity create -g fib-test-rg -n fib-test-aks-secrets/,
        /^\+ az role assignment create .*--role Key\\ Vault\\ Secrets\\ User/,
        /^\+ az identity federated-credential create .*--subject system:serviceaccount:fib:fib-secrets --audiences api:\/\/AzureADTokenExchange/,
        /^\+ az acr import -n fib[0-9a-f]{12} --source mcr\.microsoft\.com\/azure-functions\/node:4-node\d+ --image base\/azure-functions-node:4-node\d+ --force$/,
        /^\+ az acr build -r fib[0-9a-f]{12} -t fib-functions:test-tag -f \S+\/Dockerfile --build-arg FUNCTIONS_IMAGE=fib[0-9a-f]{12}\.azurecr\.io\/base\/azure-functions-node@\\<base-digest\\> /,
        /^\+ az acr build -r fib[0-9a-f]{12} -t fib-web:test-tag -f \S+\/web\/Dockerfile /,
        /^\+ kubectl create namespace fib$/,
        /^\+ az keyvault secret set --vault-name fibkv-[0-9a-f]{12} --name redis-password --file \/dev\/stdin -o none <<< \(value not shown\)/,
        /^\+ az keyvault secret set --vault-name fibkv-[0-9a-f]{12} --name postgres-password --file \/dev\/stdin -o none/,
        /^\+ kubectl apply -k /,
        /^\+ kubectl -n fib rollout status statefulset\/redis/,
        /^\+ kubectl -n fib rollout status deployment\/api/,
        /^\+ kubectl -n fib rollout status deployment\/web/,
        /^\+ kubectl -n fib wait --for=condition=Programmed gateways\.gateway\.networking\.k8s\.io\/fib/,
        /^\+ until POST \/api\/values .* curl .*-X POST http:\/\/\\<gateway-address\\>\/api\/values/,
        /^\+ until GET \/api\/values\/12 answers F\(12\) = 144 .* curl .*\/api\/values\/12$/,
        /^Fibonacci service: http:\/\/<gateway-address>\//,
      ]);
      expect(
        order.filter((index) => index < 0),
        run.output,
      ).toEqual([]);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    });

    it('builds the Functions image on the exact digest of the base it imported, and prints that digest', () => {
      const base = /^ARG FUNCTIONS_IMAGE=(\S+)$/m.exec(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'))?.[1];
      expect(run.output).toContain(`--source ${base ?? 'missing'} `);
      expect(run.output).toMatch(
        new RegExp(`^# Functions base ${base ?? 'missing'} is <base-digest>; fib-functions:test-tag is built on it$`, 'm'),
      );
    });

    it('checks before every create (so a re-run skips what exists)', () => {
      const lines = run.output.split('\n');
      for (const [create, check] of [
        [/^\+ az group create/, /^\? az group show/],
        [/^\+ az acr create/, /^\? az acr show/],
        [/^\+ az aks create/, /^\? az aks show/],
        [/^\+ kubectl create namespace/, /^\? kubectl get namespace/],
        [/^\+ az keyvault create/, /^\? az keyvault show/],
        [/^\+ az identity create/, /^\? az identity show/],
        [/^\+ az identity federated-credential create/, /^\? az identity federated-credential show/],
        [/^\+ az role assignment create .*Secrets\\ User/, /^\? az role assignment list .*Secrets\\ User/],
        [/--name redis-password --file/, /^\? kubectl -n fib get secret redis-auth/],
      ] as const) {
        const createAt = lines.findIndex((line) => create.test(line));
        expect(createAt, String(create)).toBeGreaterThan(0);
        expect(check.test(lines[createAt - 1] ?? ''), `${String(check)} right before ${String(create)}`).toBe(true);
      }
    });

    it('writes exactly the Key Vault secrets the SecretProviderClass reads, and shows no value', () => {
      const written = [
        ...run.output.matchAll(
          /^\+ az keyvault secret set .*--name (\S+) --file \/dev\/stdin -o none <<< \(value not shown\)$/gm,
        ),
      ]
        .map(([, name]) => name)
        .sort();
      const provider = named<{ spec: { parameters: { objects: string } } }>(
        renderKustomization('k8s/overlays/aks'),
        'SecretProviderClass',
        'fib-stores',
      );
      const read = [...provider.spec.parameters.objects.matchAll(/objectName: (\S+)/g)].map(([, name]) => name).sort();
      expect(written).toEqual(read);
      // The dry run's stand-in password never reaches the output, nor does a connection string.
      expect(run.output).not.toMatch(/<generated>|password=|postgres:\/\/fib:/);
    });

    it('applies the committed overlay with the images it built (registry and tag), changing no file', () => {
      // The script writes its throwaway overlay under TMPDIR and prints it; rebuild it at the same depth.
      const printed = run.output
        .split('\n')
        .filter((line) => line.startsWith('#   '))
        .map((line) => line.slice(4))
        .join('\n');
      const copy = mkdtempSync(path.join(root, 'tmp', 'overlay-'));
      writeFileSync(path.join(copy, 'kustomization.yaml'), `${printed}\n`);
      const images = workloads(renderKustomization(path.relative(repoRoot, copy))).flatMap((w) =>
        w.pod.containers.map((c) => c.image ?? ''),
      );
      const registry = /az acr create -g fib-test-rg -n (fib[0-9a-f]{12})/.exec(run.output)?.[1];
      for (const name of ['fib-functions', 'fib-web']) {
        expect(images.filter((image) => imageBaseName(image) === name)).toContain(`${registry}.azurecr.io/${name}:test-tag`);
      }
      const objects = renderKustomization(path.relative(repoRoot, copy));
      const vault = /az keyvault create -g fib-test-rg -n (fibkv-[0-9a-f]{12})/.exec(run.output)?.[1];
      const provider = named<{ spec: { parameters: Record<string, string> } }>(objects, 'SecretProviderClass', 'fib-stores');
      expect(provider.spec.parameters).toMatchObject({
        keyvaultName: vault,
        tenantId: '<tenant-id>',
        clientID: '<identity-client-id>',
      });
      const account = named<{ metadata: { annotations: Record<string, string> } }>(objects, 'ServiceAccount', 'fib-secrets');
      expect(account.metadata.annotations['azure.workload.identity/client-id']).toBe('<identity-client-id>');
      expect(Object.keys(kustomizationsBefore).length).toBeGreaterThan(3);
      expect(kustomizationFiles()).toEqual(kustomizationsBefore);
    });
  });

  it('refuses the unsupported NGINX edge unless --allow-unsupported-edge is given, before running anything', () => {
    const run = provision(['--edge', 'nginx'], 'exists');
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/--edge nginx is unsupported .*--allow-unsupported-edge/);
    expect(run.calls).toBe('');
  });

  it('--edge nginx --allow-unsupported-edge enables the app routing NGINX add-on and applies k8s/overlays/aks-nginx', () => {
    const run = provision(['--dry-run', '--edge', 'nginx', '--allow-unsupported-edge'], 'refuse');
    expect(run.status, run.output).toBe(0);
    expect(run.calls).toBe('');
    expect(run.output).toMatch(
      /^\+ az aks create .*--enable-keda --enable-app-routing --enable-addons azure-keyvault-secrets-provider .*--attach-acr/m,
    );
    const commands = run.output.split('\n').filter((line) => /^[+?] /.test(line));
    expect(commands.filter((line) => /gateway-api|app-routing-istio|gatewayclass/.test(line))).toEqual([]);
    expect(run.output).toMatch(/^#\s+- \S*k8s\/overlays\/aks-nginx$/m);
    expect(run.output).toMatch(/kubectl -n app-routing-system get service nginx/);
  });

  describe('--otlp-endpoint URL (trace export)', () => {
    const endpoint = 'https://otlp.example.net/tenant-4711/v1';
    const secretLine =
      /^\+ kubectl -n fib create secret generic fib-otel --from-file=otlp-endpoint=\/dev\/stdin .*<<< \(value not shown\)$/;

    it('writes the Secret and key the otel-traces component reads, after the namespace and before the overlay, then restarts api and worker', () => {
      const run = provision(['--dry-run', '--otlp-endpoint', endpoint], 'refuse');
      expect(run.status, run.output).toBe(0);
      expect(run.calls).toBe('');
      const api = workloads(renderKustomization('k8s/overlays/aks')).find((w) => w.name === 'api');
      const reference = api?.pod.containers.flatMap((c) => c.env ?? []).find((v) => v.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')
        ?.valueFrom?.secretKeyRef;
      expect(reference).toMatchObject({ name: 'fib-otel', key: 'otlp-endpoint' });
      const order = positions(run.output, [
        /^\+ kubectl create namespace fib$/,
        secretLine,
        /^\+ kubectl apply -k /,
        /^\+ kubectl -n fib rollout restart deployment\/api deployment\/worker$/,
        /^\+ kubectl -n fib rollout status deployment\/api/,
      ]);
      expect(
        order.filter((index) => index < 0),
        run.output,
      ).toEqual([]);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(run.output).not.toContain('tenant-4711');
    });

    it('passes the URL to kubectl on stdin only: not in its arguments, not in the output', () => {
      const run = provision(['--otlp-endpoint', endpoint], 'exists');
      expect(run.status, run.output).toBe(0);
      expect(run.calls).toMatch(
        /^kubectl -n fib create secret generic fib-otel --from-file=otlp-endpoint=\/dev\/stdin --dry-run=client -o yaml$/m,
      );
      expect(run.calls).toMatch(/^kubectl apply -f -$/m);
      expect(run.stdinOfOtelSecret).toBe(endpoint);
      expect(run.calls).not.toContain('tenant-4711');
      expect(run.output).not.toContain('tenant-4711');
    });

    it('without it, touches no fib-otel Secret and restarts nothing', () => {
      const run = provision(['--dry-run'], 'refuse');
      expect(run.output).not.toMatch(/fib-otel|rollout restart/);
    });

    it('refuses a value that is not an http(s) URL before running anything, without showing it', () => {
      const run = provision(['--otlp-endpoint', 'otlp.example.net:4318-secret'], 'exists');
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(/--otlp-endpoint must be an http:\/\/ or https:\/\/ URL/);
      expect(run.output).not.toContain('4318-secret');
      expect(run.calls).toBe('');
    });
  });

  it('refuses an unknown edge', () => {
    const run = provision(['--dry-run', '--edge', 'traefik'], 'refuse');
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/--edge must be gateway or nginx/);
  });

  it('stops before changing anything when the Azure CLI is too old for --enable-app-routing-istio', () => {
    const run = provision([], 'exists', { FAKE_AZ_VERSION: '2.85.1' });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/older than 2\.86\.0/);
    expect(run.calls.split('\n').filter((call) => call && !/^az (version|account show)/.test(call))).toEqual([]);
  });

  it('re-run against a cluster that has everything: creates nothing, rebuilds and re-applies, passes the smoke check', () => {
    const run = provision([], 'exists');
    expect(run.status, run.output).toBe(0);
    const calls = run.calls.split('\n');
    for (const creating of [
      /^az group create/,
      /^az acr create/,
      /^az aks create/,
      /create namespace/,
      /^kubectl apply -f -$/,
      /^openssl/,
      /^az keyvault (create|secret set)/,
      /^az identity (create|federated-credential create)/,
      /^az role assignment create/,
    ]) {
      expect(
        calls.filter((call) => creating.test(call)),
        String(creating),
      ).toEqual([]);
    }
    expect(calls.filter((call) => call.startsWith('az acr build'))).toHaveLength(2);
    expect(calls.find((call) => call.startsWith('az acr build') && call.includes('fib-functions'))).toMatch(
      /--build-arg FUNCTIONS_IMAGE=fib[0-9a-f]{12}\.azurecr\.io\/base\/azure-functions-node@sha256:0123456789abcdef /,
    );
    expect(calls.some((call) => /^kubectl apply -k /.test(call))).toBe(true);
    expect(run.output).toMatch(/Fibonacci service: http:\/\/20\.0\.0\.1\//);
  });
});
