// Root test run: functions unit + integration tests, deployment validation and bench tools.
// The web workspace has its own config (jsdom) and runs after this one in `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['functions/test/**/*.test.ts', 'k8s/test/**/*.test.ts', 'bench/test/**/*.test.ts', 'local/test/**/*.test.ts'],
    environment: 'node',
    // dist/ is built once before the files run (they start runtimes from it, two at a time).
    globalSetup: ['local/test/support/build-once.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files start their own redis-server pairs and databases; two at a time
    // keeps a 2-core machine responsive.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/root.json' },
  },
});
