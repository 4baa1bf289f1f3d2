// The cluster's certificates, made with the openssl command (as in the Kubernetes docs,
// "Certificates" / "PKI certificates and requirements"): one CA for serving and client certs, a
// front-proxy CA for the aggregation layer, the service-account signing key, and one serving cert
// for KEDA's three processes. EC P-256 keys: quick to make, accepted by every engine.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Paths of every file the engines are started with. */
export interface ClusterCertificates {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  /** system:masters client (kubectl, kube-controller-manager, the runtime). */
  adminCert: string;
  adminKey: string;
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  /** KEDA's cert dir: ca.crt, tls.crt, tls.key (names its processes read). */
  kedaCertDir: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error('openssl is not installed (apt-get install openssl)', { cause: error });
    throw new Error(`openssl ${args[0]} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, { cause: error });
  }
}

interface LeafOptions {
  name: string;
  subject: string;
  ca: string;
  usage: 'server' | 'client' | 'both';
  altNames?: string[];
}

async function newKey(dir: string, name: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
}

async function newCa(dir: string, name: string, commonName: string): Promise<void> {
  await newKey(dir, name);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      `/CN=${commonName}`,
      '-days',
      '3650',
      '-out',
      `${name}.crt`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    dir,
  );
}

async function newLeaf(dir: string, options: LeafOptions): Promise<void> {
  await newKey(dir, options.name);
  await openssl(['req', '-new', '-key', `${options.name}.key`, '-subj', options.subject, '-out', `${options.name}.csr`], dir);
  const usage = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[options.usage];
  const extensions = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`,
    ...(options.altNames ? [`subjectAltName=${options.altNames.join(',')}`] : []),
  ];
  await writeFile(join(dir, `${options.name}.ext`), `${extensions.join('\n')}\n`);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${options.name}.csr`,
      '-CA',
      `${options.ca}.crt`,
      '-CAkey',
      `${options.ca}.key`,
      '-CAcreateserial',
      '-days',
      '365',
      '-extfile',
      `${options.name}.ext`,
      '-out',
      `${options.name}.crt`,
    ],
    dir,
  );
}

/** Makes the certificates in `dir` unless they are there already (a restart keeps them). */
export async function ensureCertificates(dir: string): Promise<ClusterCertificates> {
  const kedaCertDir = join(dir, 'keda');
  const paths: ClusterCertificates = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    apiserverCert: join(dir, 'apiserver.crt'),
    apiserverKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    frontProxyCaCert: join(dir, 'front-proxy-ca.crt'),
    frontProxyClientCert: join(dir, 'front-proxy-client.crt'),
    frontProxyClientKey: join(dir, 'front-proxy-client.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPublicKey: join(dir, 'sa.pub'),
    kedaCertDir,
  };
  const complete = join(dir, 'complete');
  if (existsSync(complete)) return paths;

  await mkdir(kedaCertDir, { recursive: true });
  await newCa(dir, 'ca', 'fib-local-cluster-ca');
  await newCa(dir, 'front-proxy-ca', 'fib-local-front-proxy-ca');
  const loopback = ['IP:127.0.0.1', 'DNS:localhost'];
  await newLeaf(dir, {
    name: 'apiserver',
    subject: '/CN=kube-apiserver',
    ca: 'ca',
    usage: 'server',
    altNames: [
      ...loopback,
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
      'IP:10.96.0.1',
    ],
  });
  await newLeaf(dir, { name: 'admin', subject: '/O=system:masters/CN=kubernetes-admin', ca: 'ca', usage: 'client' });
  await newLeaf(dir, { name: 'front-proxy-client', subject: '/CN=front-proxy-client', ca: 'front-proxy-ca', usage: 'client' });
  // KEDA's operator serves gRPC to the metrics server with mutual TLS from the same cert dir, and
  // the aggregator checks the metrics server's cert against <service>.<namespace>.svc.
  const kedaServices = ['keda-operator', 'keda-metrics-apiserver', 'keda-admission-webhooks'];
  await newLeaf(dir, {
    name: 'keda',
    subject: '/CN=keda',
    ca: 'ca',
    usage: 'both',
    altNames: [
      ...loopback,
      ...kedaServices.flatMap((service) => [`DNS:${service}.keda.svc`, `DNS:${service}.keda.svc.cluster.local`]),
    ],
  });
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key'], dir);
  await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  await copyFile(paths.caCert, join(kedaCertDir, 'ca.crt'));
  await copyFile(join(dir, 'keda.crt'), join(kedaCertDir, 'tls.crt'));
  await copyFile(join(dir, 'keda.key'), join(kedaCertDir, 'tls.key'));
  await writeFile(complete, new Date().toISOString());
  return paths;
}
