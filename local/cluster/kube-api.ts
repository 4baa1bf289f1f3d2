// A small client for the local API server: GETs with the admin client certificate (the runtime
// reads the worker Deployment every 250 ms), and `kubectl` for everything that needs discovery
// (apply, wait), so errors come back exactly as the server worded them.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

/** A request the API server refused, with its status and message. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** TLS material of the admin client. */
export interface KubeApiCredentials {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

/** GETs against the API server. */
export class KubeApi {
  private readonly ca: Buffer;
  private readonly cert: Buffer;
  private readonly key: Buffer;

  constructor(private readonly credentials: KubeApiCredentials) {
    this.ca = readFileSync(credentials.caCert);
    this.cert = readFileSync(credentials.clientCert);
    this.key = readFileSync(credentials.clientKey);
  }

  get server(): string {
    return this.credentials.server;
  }

  /** The status code of a GET (0 when nothing answers), within `timeoutMs`. */
  async status(path: string, timeoutMs = 5000): Promise<number> {
    return (await this.request(path, timeoutMs).catch(() => ({ status: 0, body: '' }))).status;
  }

  /** A GET's JSON body; throws KubeApiError with the server's message on any other status. */
  async get<T>(path: string, timeoutMs = 5000): Promise<T> {
    const { status, body } = await this.request(path, timeoutMs);
    if (status !== 200) {
      let message = body;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        /* not JSON */
      }
      throw new KubeApiError(`GET ${path}: ${status} ${message}`, status);
    }
    return JSON.parse(body) as T;
  }

  private request(path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.credentials.server),
        {
          method: 'GET',
          ca: this.ca,
          cert: this.cert,
          key: this.key,
          timeout: timeoutMs,
          headers: { accept: 'application/json' },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }
}

/** Result of one kubectl run. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the pinned kubectl against the local cluster. */
export function runKubectl(
  kubectl: string,
  kubeconfig: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectl,
      [`--kubeconfig=${kubeconfig}`, ...args],
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code !== 0 ? error.message : '') });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
