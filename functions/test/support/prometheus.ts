// A real Prometheus (Debian's `prometheus` package) for one test file: scrapes the given
// targets every second from a temporary directory on a free port; `stop()` ends it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../../local/runtime/ports.js';

/** One series of an instant query's answer. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface TestPrometheus {
  url: string;
  /** Runs an instant PromQL query through the HTTP API (`/api/v1/query`). */
  query(promql: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts Prometheus scraping `targets` (`host:port`, path /metrics) every second. */
export async function startPrometheus(targets: readonly string[]): Promise<TestPrometheus> {
  const directory = mkdtempSync(join(tmpdir(), 'fib-prometheus-'));
  const configFile = join(directory, 'prometheus.yml');
  // JSON is YAML: the same scrape config a pod annotation or a ServiceMonitor produces.
  writeFileSync(
    configFile,
    JSON.stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'fib', metrics_path: '/metrics', static_configs: [{ targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
    }
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${output.join('')}`);
        const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        return response.ok;
      },
      60_000,
      'prometheus to be ready',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
        signal: AbortSignal.timeout(5000),
      });
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success' || !body.data) throw new Error(`query ${promql} failed: ${body.error ?? response.status}`);
      if (body.data.resultType !== 'vector') throw new Error(`query ${promql} is not an instant vector`);
      return body.data.result.map((series) => ({ labels: series.metric, value: Number(series.value[1]) }));
    },
    stop,
  };
}
