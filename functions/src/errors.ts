// Domain errors: client errors carry their HTTP status; dependency outages become 503.

/** The request is malformed (400) or out of range (422); `message` is safe to show clients. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly status: 400 | 422,
  ) {
    super(message);
  }
}

/** A store of this service, as named in 503 answers and /api/health. */
export type StoreName = 'redis' | 'redis-replica' | 'postgres';

/** A store (Redis master/replica or Postgres) did not answer in time or refused the call. */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: StoreName,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

/**
 * What a client may rely on after a failed submission:
 * - `not-logged`: nothing was written; retrying is always safe;
 * - `logged`: the submission is in the Postgres log and will be computed once Redis is back
 *   (the log is replayed into Redis); a retry without the same Idempotency-Key logs it twice;
 * - `unknown`: the log write was sent but its answer was lost; retry with the same
 *   Idempotency-Key to be sure it is logged once (it is computed either way once logged).
 */
export type SubmissionOutcome = 'not-logged' | 'logged' | 'unknown';

/** A submission failed because a store is down; says what happened to it. */
export class SubmissionUnavailableError extends DependencyUnavailableError {
  override name = 'SubmissionUnavailableError';
  constructor(
    dependency: StoreName,
    readonly outcome: SubmissionOutcome,
    options?: { cause?: unknown },
  ) {
    super(dependency, options);
  }
}

/** A setting is missing or malformed; thrown once at start, naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The message of anything thrown, for logs (the library's ensureErrorType, in one place). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
