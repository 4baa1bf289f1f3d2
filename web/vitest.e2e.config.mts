// End-to-end tests: a real Chromium (playwright-core) against the real stack from `node local/start.mjs`.
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@shared/index-input': fileURLToPath(new URL('../functions/src/validation/index-input.ts', import.meta.url)),
    },
  },
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['./e2e/start-stack.ts'],
    // One stack, one browser at a time: the files share the running system.
    fileParallelism: false,
    testTimeout: 60_000,
    // The first run builds the functions and the web app before the stack is READY.
    hookTimeout: 300_000,
    // Stopping the stack (Redis, PGlite, functions, web) takes a few seconds.
    teardownTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: '../.reports/web-e2e.json' },
  },
});
