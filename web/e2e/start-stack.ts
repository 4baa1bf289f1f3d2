// Global setup of the e2e run: starts the whole system as `npm start` does (local/runtime/main.ts) on free ports
// and a temporary data directory, waits for READY, and stops it (and only it) afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

import { freePortsEnv } from '../../local/runtime/free-ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The web app, e.g. http://localhost:41234 */
    webUrl: string;
    /** The functions host's base URL without /api, e.g. http://localhost:41235 */
    apiUrl: string;
    /** The local runtime's status server (runtime.json `runtimeUrl`). */
    runtimeUrl: string;
  }
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readyTimeoutMs = 280_000;

function waitForReady(child: ChildProcess, output: string[]): Promise<{ webUrl: string; apiUrl: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the local runtime was not READY within ${readyTimeoutMs / 1000} s:\n${output.join('').slice(-4000)}`));
    }, readyTimeoutMs);
    const onData = () => {
      const text = output.join('');
      // The runtime's own READY line starts the line; other processes' lines carry a [name] prefix.
      if (!/^\s*READY\b/m.test(text)) return;
      const web = /Web UI:\s+(http:\/\/\S+)/.exec(text)?.[1];
      const api = /API:\s+(http:\/\/\S+?)\/api\b/.exec(text)?.[1];
      clearTimeout(timer);
      if (!web || !api) reject(new Error(`READY, but no "Web UI:" / "API:" URL in the output:\n${text.slice(-4000)}`));
      else resolve({ webUrl: web.replace('localhost', '127.0.0.1'), apiUrl: api.replace('localhost', '127.0.0.1') });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the local runtime exited (${signal ?? `code ${code}`}) before READY:\n${output.join('').slice(-4000)}`));
    });
  });
}

export default async function startStack(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'fib-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'local', 'runtime', 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...freePortsEnv,
      LOCAL_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const urls = await waitForReady(child, output);
    project.provide('webUrl', urls.webUrl);
    project.provide('apiUrl', urls.apiUrl);
    // The runtime's status server (its runtime.json), for tests that stop and start a part.
    const runtimeFile = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { runtimeUrl: string };
    project.provide('runtimeUrl', runtimeFile.runtimeUrl);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
