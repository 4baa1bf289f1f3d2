// Component tests: jsdom + Testing Library, the API mocked with msw (mocks/). E2E has its own config.
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@shared/index-input': fileURLToPath(new URL('../functions/src/validation/index-input.ts', import.meta.url)),
      '@shared/api-types': fileURLToPath(new URL('../functions/src/http/api-types.ts', import.meta.url)),
      '@shared/live-types': fileURLToPath(new URL('../functions/src/live/live-types.ts', import.meta.url)),
      '@/': fileURLToPath(new URL('./', import.meta.url)),
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
    setupFiles: ['./test/setup.ts'],
    restoreMocks: true,
    // The proxy and launcher tests run real sockets and outlive short timeouts on purpose; on a
    // busy 2-core CI machine vitest's default 5 s per test is not enough (a bound, not a speed goal).
    testTimeout: 20_000,
    reporters: ['default', 'json'],
    outputFile: { json: '../.reports/web.json' },
  },
});
