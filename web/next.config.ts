// Next.js config: standalone output for the container, the repo root as the project root so the
// app can import the API's shared validation module (functions/src/validation), and the security
// headers every response carries (the page's nonce CSP is set per request by proxy.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NextConfig } from 'next';

import { noContentPolicy, nonPagePathPrefixes, securityHeaders } from './features/security-headers/security-headers';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const nextConfig: NextConfig = {
  output: 'standalone',
  // In an npm workspace the standalone tree must be traced from the workspace root
  // (it then nests the app under web/: .next/standalone/web/server.js).
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  poweredByHeader: false,
  reactStrictMode: true,
  headers() {
    return Promise.resolve([
      { source: '/:path*', headers: [...securityHeaders] },
      ...nonPagePathPrefixes.map((prefix) => ({
        source: `/${prefix}/:path*`,
        headers: [{ key: 'Content-Security-Policy', value: noContentPolicy }],
      })),
    ]);
  },
};

export default nextConfig;
