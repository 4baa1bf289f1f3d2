// Next.js config: standalone output for the container, and the repo root as the project root
// so the app can import the API's shared validation module (functions/src/validation).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NextConfig } from 'next';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const nextConfig: NextConfig = {
  output: 'standalone',
  // In an npm workspace the standalone tree must be traced from the workspace root
  // (it then nests the app under web/: .next/standalone/web/server.js).
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
