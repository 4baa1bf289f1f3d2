// Next.js proxy (the file convention formerly called middleware): gives every page request a
// fresh CSP nonce, in the request (Next reads it while rendering) and in the response.
import { type NextRequest, NextResponse } from 'next/server';

import { newNonce, pageContentSecurityPolicy } from '@/features/security-headers/security-headers';

export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const policy = pageContentSecurityPolicy({ nonce, development: process.env.NODE_ENV === 'development' });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', policy);
  return response;
}

export const config = {
  // Everything but nonPagePathPrefixes in security-headers.ts (a matcher must be a literal here:
  // Next reads it from the source at build time).
  matcher: ['/((?!api|_next/static|_next/image).*)'],
};
