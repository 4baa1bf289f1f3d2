// Who a request comes from, for fair use: the address that connected to the Functions host.
//
// The real host hands each HTTP request to the Node worker through YARP's forwarder
// (azure-functions-host src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs calls
// IHttpForwarder.SendAsync without a transformer, i.e. HttpTransformer.Default), whose default
// X-Forwarded transforms *set* X-Forwarded-For to the connection's remote address (YARP
// TransformBuilder.CreateTransformer → AddXForwarded, action Set). So the worker always sees
// exactly one address there, and a client cannot choose it. Behind a trusted proxy (the AKS
// Gateway, the web app's /api proxy) that address is the proxy's, unless the host runs
// ASP.NET Core's forwarded-headers middleware (ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, read
// by ConfigureWebHostDefaults, which azure-functions-host src/WebJobs.Script.WebHost/Program.cs
// uses): it then takes the last X-Forwarded-For entry the proxy appended as the remote address
// (one trusted hop). Our local host reproduces both (local/host/http-server.ts).
import type { HttpRequest } from '@azure/functions';

/** Identity of a request's client: one address, normalised (IPv4-mapped IPv6 as IPv4). */
export function clientIdentity(request: Pick<HttpRequest, 'headers'>): string {
  const forwarded = request.headers.get('x-forwarded-for') ?? '';
  const last = forwarded.split(',').pop()?.trim() ?? '';
  return normaliseAddress(last) || 'unknown';
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; `[::1]:1234` / `10.0.0.1:1234` → without the port. */
export function normaliseAddress(address: string): string {
  let text = address.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1] ?? text;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  if (text.startsWith('::ffff:') && text.includes('.')) text = text.slice('::ffff:'.length);
  return text;
}
