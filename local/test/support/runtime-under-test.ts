// A local runtime for one test file: its own data directory and free ports, the functions
// built once, every log line kept for assertions, and the processes found by name.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type LocalRuntime, startLocalRuntime } from '../../runtime/local-runtime.js';
import type { ManagedProcess } from '../../runtime/managed-process.js';
import { isolatedRuntimeSettings, type runtimeSettingsSchema } from '../../runtime/settings.js';

export const root = join(import.meta.dirname, '..', '..', '..');

/** Set by the root vitest globalSetup (build-once.ts) once dist/ is built for this test run. */
export const builtForThisRunEnv = 'FIB_TEST_DIST_BUILT';

/**
 * Compiles the functions and the local host to dist/ (what `npm start` runs), unless this test
 * run's globalSetup already did: rebuilding while another file's runtime runs would rewrite
 * modules under it.
 */
export function buildFunctions(): void {
  if (process.env[builtForThisRunEnv] === '1') return;
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
}

export interface RuntimeUnderTest {
  runtime: LocalRuntime;
  dataDir: string;
  logs: string[];
  process(name: string): ManagedProcess;
  stop(): Promise<void>;
}

export async function startRuntimeUnderTest(
  settings: Partial<Record<keyof typeof runtimeSettingsSchema.shape, string>>,
  functionsEnv: Record<string, string> = {},
): Promise<RuntimeUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fib-runtime-'));
  const logs: string[] = [];
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({
      root,
      settings: isolatedRuntimeSettings(root, dataDir, settings),
      env: { ...process.env, ...functionsEnv },
      log: (source, message) => logs.push(`[${source}] ${message}`),
      output: (name, line) => logs.push(`[${name}] ${line}`),
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    runtime,
    dataDir,
    logs,
    process(name) {
      const found = runtime.processes().find((p) => p.name === name);
      if (!found)
        throw new Error(
          `no process ${name}; running: ${runtime
            .processes()
            .map((p) => p.name)
            .join(', ')}`,
        );
      return found;
    },
    async stop() {
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
