// Root layout: document shell, metadata and the global stylesheet (system fonts: no network at build).
import './globals.css';

import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';

// Render per request: the CSP nonce that proxy.ts puts on each response must reach Next's
// inline scripts, and a prerendered page's scripts carry no nonce.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Fibonacci calculator',
  description: 'Submit an index, watch the workers compute its Fibonacci number.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f6f7fb' },
    { media: '(prefers-color-scheme: dark)', color: '#12141a' },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
