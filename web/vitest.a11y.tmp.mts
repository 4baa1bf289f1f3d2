import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: { include: ['e2e/accessibility.e2e.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000 },
});
