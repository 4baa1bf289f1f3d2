// Maps results and errors to HTTP responses: JSON always, internals never.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { DependencyUnavailableError, errorMessage, InvalidInputError } from '../errors.js';

/** A JSON response with no caching (values change while tasks run). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'cache-control': 'no-store', ...headers } };
}

/** The one JSON error shape: `{ "error": message, ...extra }`, not cached. */
export function jsonError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): HttpResponseInit {
  // The one place the shape is written (the lint rule that sends everyone else here skips it).
  // eslint-disable-next-line no-restricted-syntax
  return json(status, { error: message, ...extra }, headers);
}

/** Turns any error into a client-safe JSON error; unexpected ones are logged with context. */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof InvalidInputError) return jsonError(error.status, error.message);
  if (error instanceof DependencyUnavailableError) {
    const cause = errorMessage(error.cause);
    context.warn(`${context.functionName}: ${error.dependency} unavailable: ${cause}`);
    return jsonError(503, `${error.dependency} is unavailable; try again shortly`, { 'retry-after': '1' });
  }
  context.error(`${context.functionName}: unexpected error`, error);
  return jsonError(500, 'internal error');
}

/** An HTTP function as this app writes them. */
export type HttpFunction = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Wraps a handler so every thrown error becomes {@link errorResponse}. */
export function handleErrors(handler: HttpFunction): HttpFunction {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}
