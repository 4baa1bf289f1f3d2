// @vitest-environment node
// The security headers: the page's nonce CSP (proxy.ts), the no-content CSP and the headers on
// every response (next.config.ts), and exactly one CSP for every kind of path.
import { readFileSync } from 'node:fs';

import { unstable_doesMiddlewareMatch, unstable_getResponseFromNextConfig } from 'next/experimental/testing/server';
import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';

import { newNonce, noContentPolicy, pageContentSecurityPolicy } from '../features/security-headers/security-headers';
import nextConfig from '../next.config';
import { config as proxyConfig, proxy } from '../proxy';

/** Directive name -> its sources, from a policy string. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

const paths = [
  '/',
  '/icon.svg',
  '/local/scaler',
  '/api',
  '/api/values',
  '/api/events',
  '/_next/static/chunks/app.js',
  '/_next/image',
];

describe('security headers', () => {
  it('security headers: the page policy allows scripts and styles only from self and by nonce, frames nothing, evals nothing', () => {
    const policy = directives(pageContentSecurityPolicy({ nonce: 'abc123==', development: false }));
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'nonce-abc123=='"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect([...policy.values()].flat()).not.toContain("'unsafe-eval'");
    expect([...policy.values()].flat()).not.toContain("'unsafe-inline'");
  });

  it("security headers: only next dev's policy has 'unsafe-eval' (React's dev tooling)", () => {
    const policy = directives(pageContentSecurityPolicy({ nonce: 'n', development: true }));
    expect(policy.get('script-src')).toContain("'unsafe-eval'");
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('security headers: nonces are 128-bit base64 and differ per call', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => newNonce()));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
  });

  it('security headers: proxy.ts puts one fresh nonce in the response CSP and in the request Next renders with', () => {
    const first = proxy(new NextRequest('http://localhost:3000/'));
    const second = proxy(new NextRequest('http://localhost:3000/'));
    const policy = first.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeTruthy();
    expect(policy).toBe(pageContentSecurityPolicy({ nonce: nonce ?? '', development: false }));
    // NextResponse.next({ request: { headers } }) carries overridden request headers this way.
    expect(first.headers.get('x-middleware-request-x-nonce')).toBe(nonce);
    expect(first.headers.get('x-middleware-request-content-security-policy')).toBe(policy);
    expect(second.headers.get('content-security-policy')).not.toBe(policy);
  });

  it('security headers: the pages render per request, so the nonce reaches their inline scripts', () => {
    // A prerendered page's inline scripts carry no nonce and the CSP blocks them: the app never
    // hydrates. Next's CSP guide: nonces require dynamic rendering.
    const layout = readFileSync(new URL('../app/layout.tsx', import.meta.url), 'utf8');
    expect(
      /export const dynamic = 'force-dynamic'|await connection\(\)/.test(layout),
      "app/layout.tsx must render per request: export const dynamic = 'force-dynamic' (or await connection())",
    ).toBe(true);
  });

  it('security headers: every response gets nosniff, X-Frame-Options DENY, a same-origin Referrer-Policy and COOP', async () => {
    for (const path of paths) {
      const response = await unstable_getResponseFromNextConfig({ url: `http://localhost:3000${path}`, nextConfig });
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(response.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
    }
  });

  it('security headers: every path gets exactly one CSP: the nonce policy from proxy.ts for pages, the no-content policy otherwise', async () => {
    const sources: Record<string, string> = {};
    for (const path of paths) {
      const fromConfig = (
        await unstable_getResponseFromNextConfig({ url: `http://localhost:3000${path}`, nextConfig })
      ).headers.get('content-security-policy');
      const fromProxy = unstable_doesMiddlewareMatch({ config: proxyConfig, url: `http://localhost:3000${path}`, nextConfig });
      expect(Boolean(fromConfig) !== fromProxy, `${path}: config CSP ${fromConfig}, proxy ${fromProxy}`).toBe(true);
      if (fromConfig) expect(fromConfig).toBe(noContentPolicy);
      sources[path] = fromProxy ? 'proxy' : 'config';
    }
    // /api stays out of proxy.ts, which would have Next clone request bodies (up to 10 MB) for it.
    expect(sources).toEqual({
      '/': 'proxy',
      '/icon.svg': 'proxy',
      '/local/scaler': 'proxy',
      '/api': 'config',
      '/api/values': 'config',
      '/api/events': 'config',
      '/_next/static/chunks/app.js': 'config',
      '/_next/image': 'config',
    });
  });
});
