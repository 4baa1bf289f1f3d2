// Runs the local Functions host (local/host/main.ts) as a child process for one test, with its
// output kept for assertions; only the test that started it stops it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { freePort } from '../../runtime/ports.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface HostProcess {
  baseUrl: string;
  /** The host's process id. */
  pid: number;
  /** Everything the host printed so far (stdout and stderr). */
  output(): string;
  get(path: string): Promise<{ status: number; json: unknown }>;
  /** Sends SIGTERM and resolves with how the process ended (no SIGKILL: a hang fails the caller's bound). */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts the host with `env` added to this process's environment; resolves once it printed "Host started". */
export async function startHostProcess(env: Record<string, string>, args: string[] = []): Promise<HostProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/host/main.ts', '--port', String(port), '--host', '127.0.0.1', ...args],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`host did not start in 30 s:\n${output}`)), 30_000);
    const check = () => {
      if (output.includes('Host started')) {
        clearTimeout(deadline);
        resolve();
      } else if (child.exitCode !== null) {
        clearTimeout(deadline);
        reject(new Error(`host exited with ${child.exitCode}:\n${output}`));
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', check);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    pid: child.pid ?? 0,
    output: () => output,
    async get(path) {
      const response = await fetch(`${baseUrl}${path}`);
      return { status: response.status, json: await response.json() };
    },
    terminate() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
