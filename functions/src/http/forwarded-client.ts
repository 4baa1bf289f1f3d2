// Which client a request comes from, for per-client limits. Interim: the lead's
// functions/src/http/client-identity.ts (the same identity as the submission budgets) replaces
// this; until then FunctionApp takes the function as an option, so the swap is one line.
//
// Under the real host the function never sees the connecting socket: the host's forwarder adds
// the address that connected to it to X-Forwarded-For (azure-functions-host
// src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs, HttpTransformer.Default), after
// whatever the Gateway or the web proxy added. Hops inside the cluster have private addresses,
// so the client is the rightmost address that is not private or loopback, else the leftmost one.

const privateAddress =
  /^(?:10\.|127\.|169\.254\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|::1$|::ffff:(?:10|127)\.|f[cd][0-9a-f]{2}:|fe80:)/i;

/** The client address for per-client limits; "unknown" when no hop said. */
export function forwardedClient(headers: { get(name: string): string | null }): string {
  const hops = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop.length > 0);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] as string;
    if (!privateAddress.test(hop)) return hop;
  }
  return hops[0] ?? 'unknown';
}
