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

/** A store (Redis master/replica or Postgres) did not answer in time or refused the call. */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: 'redis' | 'redis-replica' | 'postgres',
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

/** A setting is missing or malformed; thrown once at start, naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
