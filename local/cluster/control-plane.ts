// A Kubernetes control plane and KEDA on loopback, each a supervised child process: etcd,
// kube-apiserver, kube-controller-manager (Deployment, ReplicaSet, HPA, namespace, service
// account, garbage collector controllers), KEDA's admission webhooks, operator and metrics API
// server. No kube-proxy, scheduler or kubelet: pods stay Pending (the local runtime's worker
// processes stand in for them), so KEDA's webhooks are registered by URL and its metrics
// APIService reaches the metrics server through an ExternalName Service named `localhost`.
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { parseAllDocuments, stringify } from 'yaml';

import { ManagedProcess, type ProcessEvents } from '../runtime/managed-process.js';
import { freePort } from '../runtime/ports.js';
import { type ClusterCertificates, ensureCertificates } from './certificates.js';
import type { Engines } from './engines.js';
import { KubeApi, type KubectlResult, runKubectl } from './kube-api.js';

/**
 * The SecretProviderClass CRD (Secrets Store CSI driver v1.6.0, the copy the manifest tests
 * validate against): the AKS overlays' Key Vault component uses it, and on AKS the add-on installs it.
 */
const secretProviderClassCrd = fileURLToPath(new URL('../../k8s/test/fixtures/secretproviderclasses.crd.yaml', import.meta.url));
/**
 * Azure Managed Prometheus's PodMonitor CRD (azmonitoring.coreos.com, the trimmed copy the manifest
 * tests validate against): the AKS overlays' Managed Prometheus component uses it, and on AKS the
 * ama-metrics add-on installs it.
 */
const podMonitorCrd = fileURLToPath(new URL('../../k8s/test/fixtures/podmonitors.azmonitoring.crd.yaml', import.meta.url));

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  engines: Engines;
  /** `<LOCAL_DATA_DIR>/cluster`: certificates, etcd data, kubeconfig, logs. */
  dir: string;
  /** `full`: everything; `admission`: etcd, kube-apiserver and KEDA's webhooks (no controllers). */
  mode: 'full' | 'admission';
  log: (message: string) => void;
  /** Receives every engine's output lines (they are also written to `<dir>/logs/<name>.log`). */
  output?: (name: string, line: string) => void;
  /** Preferred API server port (0: any free one). @defaultValue 0 */
  apiServerPort?: number;
  /** --horizontal-pod-autoscaler-sync-period. @defaultValue 15 (the default, as on AKS) */
  hpaSyncPeriodSeconds?: number;
  /** Recorded children (the runtime's data-directory lock), so they are stopped with it. */
  spawned?: (name: string, pid: number) => void;
  exited?: (name: string, pid: number) => void;
}

/** A running control plane. */
export interface ControlPlane {
  server: string;
  kubeconfig: string;
  api: KubeApi;
  certificates: ClusterCertificates;
  /** Runs the pinned kubectl with this cluster's kubeconfig. */
  kubectl: (args: string[], input?: string) => Promise<KubectlResult>;
  processes: ManagedProcess[];
  stop: () => Promise<void>;
}

const httpOk = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });

function kubeconfigYaml(server: string, certificates: ClusterCertificates): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fib-local', cluster: { server, 'certificate-authority': certificates.caCert } }],
    users: [
      { name: 'fib-local-admin', user: { 'client-certificate': certificates.adminCert, 'client-key': certificates.adminKey } },
    ],
    contexts: [{ name: 'fib-local', context: { cluster: 'fib-local', user: 'fib-local-admin', namespace: 'fib' } }],
    'current-context': 'fib-local',
  });
}

/** KEDA's ValidatingWebhookConfiguration from the pinned module, pointed at the local process. */
async function kedaWebhookConfiguration(engines: Engines, webhookUrl: string, caBundle: string): Promise<string> {
  const file = join(engines.kedaCrdDir, '..', '..', 'webhooks', 'validation_webhooks.yaml');
  const documents = parseAllDocuments(await readFile(file, 'utf8')).map((document) => document.toJS() as Record<string, unknown>);
  for (const document of documents) {
    const webhooks = (document.webhooks ?? []) as {
      clientConfig: { service?: { path?: string }; url?: string; caBundle?: string };
      failurePolicy?: string;
    }[];
    for (const webhook of webhooks) {
      const path = webhook.clientConfig.service?.path ?? '/';
      webhook.clientConfig = { url: `${webhookUrl}${path}`, caBundle };
      // KEDA ships `Ignore` so a webhook outage never blocks a cluster; here an unreachable
      // webhook must fail the admission test instead of passing it unchecked.
      webhook.failurePolicy = 'Fail';
    }
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: documents });
}

/** KEDA's APIService from the pinned module, through an ExternalName Service to loopback. */
async function kedaMetricsApiService(engines: Engines, port: number, caBundle: string): Promise<string> {
  const file = join(engines.kedaCrdDir, '..', '..', 'metrics-server', 'api_service.yaml');
  const apiService = parseAllDocuments(await readFile(file, 'utf8'))[0]?.toJS() as {
    spec: { service: { name: string; namespace: string; port?: number }; insecureSkipTLSVerify?: boolean; caBundle?: string };
  };
  const { name, namespace } = apiService.spec.service;
  apiService.spec.service.port = port;
  delete apiService.spec.insecureSkipTLSVerify;
  apiService.spec.caBundle = caBundle;
  // Without kube-proxy a ClusterIP leads nowhere; the aggregator resolves an ExternalName
  // Service to https://<externalName>:<APIService port> (k8s.io/apiserver util/proxy ResolveCluster)
  // and checks the certificate for <name>.<namespace>.svc.
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port, protocol: 'TCP' }] },
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [service, apiService] });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Starts the control plane in `dir` (etcd starts empty every time) and installs KEDA and the CRDs. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { engines, dir, log } = options;
  const logsDir = join(dir, 'logs');
  await mkdir(logsDir, { recursive: true });
  const certificates = await ensureCertificates(join(dir, 'pki'));
  const logFiles = new Map<string, WriteStream>();
  const events: ProcessEvents = {
    log,
    output: (name, line) => {
      let file = logFiles.get(name);
      if (!file) {
        file = createWriteStream(join(logsDir, `${name}.log`), { flags: 'a' });
        logFiles.set(name, file);
      }
      file.write(`${line}\n`);
      options.output?.(name, line);
    },
    spawned: options.spawned,
    exited: options.exited,
  };
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const process of processes.splice(0).reverse()) await process.stop().catch(() => undefined);
    for (const file of logFiles.values()) file.end();
  };
  const start = async (process: ManagedProcess) => {
    processes.push(process);
    log(`starting ${process.name}`);
    await process.start();
  };

  try {
    // etcd ----------------------------------------------------------------------------------
    const etcdDir = join(dir, 'etcd');
    await rm(etcdDir, { recursive: true, force: true });
    const etcdPort = await freePort();
    const etcdPeerPort = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    await start(
      new ManagedProcess(
        {
          name: 'etcd',
          command: engines.etcd,
          args: [
            '--name=local',
            `--data-dir=${etcdDir}`,
            `--listen-client-urls=${etcdUrl}`,
            `--advertise-client-urls=${etcdUrl}`,
            `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
            `--initial-cluster=local=http://127.0.0.1:${etcdPeerPort}`,
            // A throwaway single-member store on a shared disk: no fsync per write.
            '--unsafe-no-fsync',
            '--log-level=warn',
          ],
          fix: `read ${join(logsDir, 'etcd.log')}`,
          ready: () => httpOk(`${etcdUrl}/health`),
          readyTimeoutMs: 60_000,
        },
        events,
      ),
    );

    // kube-apiserver ------------------------------------------------------------------------
    const apiPort = await freePort(options.apiServerPort ?? 0, (busy) =>
      log(`port ${busy} is busy; the API server uses a free one`),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(server, certificates), { mode: 0o600 });
    const api = new KubeApi({
      server,
      caCert: certificates.caCert,
      clientCert: certificates.adminCert,
      clientKey: certificates.adminKey,
    });
    await start(
      new ManagedProcess(
        {
          name: 'kube-apiserver',
          command: engines.kubeApiserver,
          args: [
            `--etcd-servers=${etcdUrl}`,
            '--bind-address=127.0.0.1',
            '--advertise-address=127.0.0.1',
            `--secure-port=${apiPort}`,
            `--cert-dir=${join(dir, 'pki', 'apiserver-generated')}`,
            `--tls-cert-file=${certificates.apiserverCert}`,
            `--tls-private-key-file=${certificates.apiserverKey}`,
            `--client-ca-file=${certificates.caCert}`,
            '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
            `--service-account-key-file=${certificates.serviceAccountPublicKey}`,
            `--service-account-signing-key-file=${certificates.serviceAccountKey}`,
            '--service-cluster-ip-range=10.96.0.0/16',
            '--authorization-mode=RBAC',
            // The aggregation layer (KEDA's external metrics API).
            `--requestheader-client-ca-file=${certificates.frontProxyCaCert}`,
            '--requestheader-allowed-names=front-proxy-client',
            '--requestheader-username-headers=X-Remote-User',
            '--requestheader-group-headers=X-Remote-Group',
            '--requestheader-extra-headers-prefix=X-Remote-Extra-',
            `--proxy-client-cert-file=${certificates.frontProxyClientCert}`,
            `--proxy-client-key-file=${certificates.frontProxyClientKey}`,
            // The `kubernetes` Service's endpoints may not be a loopback address.
            '--endpoint-reconciler-type=none',
            '--allow-privileged=true',
          ],
          fix: `read ${join(logsDir, 'kube-apiserver.log')}`,
          ready: async () => (await api.status('/readyz', 2000)) === 200,
          readyTimeoutMs: 180_000,
        },
        events,
      ),
    );
    const kubectl = (args: string[], input?: string) => runKubectl(engines.kubectl, kubeconfig, args, { input });
    const mustKubectl = async (what: string, args: string[], input?: string) => {
      const result = await kubectl(args, input);
      if (result.code !== 0) throw new Error(`${what} failed:\n${result.stderr.trim()}`);
      return result;
    };

    // kube-controller-manager ----------------------------------------------------------------
    if (options.mode === 'full') {
      const kcmPort = await freePort();
      await start(
        new ManagedProcess(
          {
            name: 'kube-controller-manager',
            command: engines.kubeControllerManager,
            args: [
              `--kubeconfig=${kubeconfig}`,
              `--authentication-kubeconfig=${kubeconfig}`,
              `--authorization-kubeconfig=${kubeconfig}`,
              '--bind-address=127.0.0.1',
              `--secure-port=${kcmPort}`,
              `--cert-dir=${join(dir, 'pki', 'kcm-generated')}`,
              '--leader-elect=false',
              '--use-service-account-credentials=false',
              `--service-account-private-key-file=${certificates.serviceAccountKey}`,
              `--root-ca-file=${certificates.caCert}`,
              // The HPA controller's default is 15 s, as on AKS (tests shorten it, as they do
              // for the emulated HPA with HPA_SYNC_PERIOD_SECONDS).
              `--horizontal-pod-autoscaler-sync-period=${options.hpaSyncPeriodSeconds ?? 15}s`,
            ],
            fix: `read ${join(logsDir, 'kube-controller-manager.log')}`,
            ready: () => httpsInsecureOk(`https://127.0.0.1:${kcmPort}/healthz`),
            readyTimeoutMs: 120_000,
          },
          events,
        ),
      );
    }

    // CRDs and KEDA's registrations ---------------------------------------------------------
    log(
      `installing KEDA's CRDs (${engines.kedaCrdDir}), the Gateway API's (${engines.gatewayApiCrdDir}), the Secrets Store CSI driver's SecretProviderClass (the AKS overlays' Key Vault component) and Managed Prometheus's PodMonitor (their metrics component)`,
    );
    await mustKubectl('installing the CRDs', [
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      engines.kedaCrdDir,
      '-f',
      engines.gatewayApiCrdDir,
      '-f',
      secretProviderClassCrd,
      '-f',
      podMonitorCrd,
    ]);
    await mustKubectl('waiting for the CRDs', ['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all']);
    await mustKubectl(
      'creating namespace keda',
      ['apply', '--server-side', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keda' } }),
    );

    const caBundle = (await readFile(certificates.caCert)).toString('base64');
    const kedaEnv = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      POD_NAMESPACE: 'keda',
      KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda',
      WATCH_NAMESPACE: '',
    };
    const webhooksPort = await freePort();
    const webhooksProbePort = await freePort();
    await start(
      new ManagedProcess(
        {
          name: 'keda-admission-webhooks',
          command: engines.kedaAdmissionWebhooks,
          args: [
            `--port=${webhooksPort}`,
            `--cert-dir=${certificates.kedaCertDir}`,
            `--health-probe-bind-address=127.0.0.1:${webhooksProbePort}`,
            `--metrics-bind-address=127.0.0.1:${await freePort()}`,
            '--zap-log-level=info',
          ],
          env: kedaEnv,
          fix: `read ${join(logsDir, 'keda-admission-webhooks.log')}`,
          ready: () => httpOk(`http://127.0.0.1:${webhooksProbePort}/readyz`),
          readyTimeoutMs: 120_000,
        },
        events,
      ),
    );
    await mustKubectl(
      "registering KEDA's admission webhooks",
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      await kedaWebhookConfiguration(engines, `https://localhost:${webhooksPort}`, caBundle),
    );

    if (options.mode === 'full') {
      const grpcPort = await freePort();
      const operatorProbePort = await freePort();
      await start(
        new ManagedProcess(
          {
            name: 'keda-operator',
            command: engines.kedaOperator,
            args: [
              `--metrics-bind-address=127.0.0.1:${await freePort()}`,
              `--health-probe-bind-address=127.0.0.1:${operatorProbePort}`,
              `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
              `--cert-dir=${certificates.kedaCertDir}`,
              `--ca-dir=${certificates.kedaCertDir}`,
              '--leader-elect=false',
              '--zap-log-level=info',
            ],
            env: kedaEnv,
            fix: `read ${join(logsDir, 'keda-operator.log')}`,
            ready: () => httpOk(`http://127.0.0.1:${operatorProbePort}/readyz`),
            readyTimeoutMs: 120_000,
          },
          events,
        ),
      );
      const adapterPort = await freePort();
      await start(
        new ManagedProcess(
          {
            name: 'keda-metrics-apiserver',
            command: engines.kedaMetricsApiserver,
            args: [
              `--secure-port=${adapterPort}`,
              '--bind-address=127.0.0.1',
              `--cert-dir=${certificates.kedaCertDir}`,
              `--tls-cert-file=${join(certificates.kedaCertDir, 'tls.crt')}`,
              `--tls-private-key-file=${join(certificates.kedaCertDir, 'tls.key')}`,
              `--metrics-service-address=localhost:${grpcPort}`,
              `--port=${await freePort()}`,
              `--lister-kubeconfig=${kubeconfig}`,
              `--authentication-kubeconfig=${kubeconfig}`,
              `--authorization-kubeconfig=${kubeconfig}`,
            ],
            env: kedaEnv,
            fix: `read ${join(logsDir, 'keda-metrics-apiserver.log')}`,
            ready: () => httpsInsecureOk(`https://127.0.0.1:${adapterPort}/readyz`),
            readyTimeoutMs: 120_000,
          },
          events,
        ),
      );
      await mustKubectl(
        "registering KEDA's external metrics API",
        ['apply', '--server-side', '--force-conflicts', '-f', '-'],
        await kedaMetricsApiService(engines, adapterPort, caBundle),
      );
      log('waiting for the external metrics API (KEDA) to be available');
      await waitFor(
        'APIService v1beta1.external.metrics.k8s.io Available',
        async () => (await api.status('/apis/external.metrics.k8s.io/v1beta1', 2000)) === 200,
        120_000,
      );
    }
    return { server, kubeconfig, api, certificates, kubectl, processes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function httpsInsecureOk(url: string): Promise<boolean> {
  return import('node:https').then(
    ({ request: httpsRequest }) =>
      new Promise<boolean>((resolve) => {
        const req = httpsRequest(url, { timeout: 2000, rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
        req.end();
      }),
  );
}

/** Whether a previous control plane left its kubeconfig (for tools that attach to it). */
export function hasKubeconfig(dir: string): boolean {
  return existsSync(join(dir, 'kubeconfig'));
}
