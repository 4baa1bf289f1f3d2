// The zod parts every settings module of this repository shares (the functions' config.ts and
// the local runtime's settings.ts): how a whole number and a Redis connection string are checked,
// and how an environment is read into a schema, so one variable is held to one rule everywhere.
import { z } from 'zod';

import { ConnectionStringError, parseRedisConnectionString } from './redis/connection-string.js';

/** A whole number from `min` to `max`, written in digits only ("1.5", "-5", "10s" are refused). */
export const wholeNumber = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

/**
 * A StackExchange.Redis connection string that {@link parseRedisConnectionString} accepts, kept
 * as written (the local runtime passes it on to the functions it starts).
 */
export const redisConnectionText = z.string().superRefine((text, ctx) => {
  try {
    parseRedisConnectionString(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof ConnectionStringError ? error.message : String(error) });
  }
});

/** A Redis connection string, parsed into the endpoint ioredis needs. */
export const redisConnection = redisConnectionText.transform((text) => parseRedisConnectionString(text));

/** `1`/`true` or `0`/`false` (anything else is refused, never read as off). @defaultValue false */
export const flag = z
  .enum(['0', '1', 'true', 'false'], { error: 'must be 1 or 0' })
  .transform((value) => value === '1' || value === 'true')
  .default(false);

/** The operator credential (`Authorization: Bearer <token>`); a secret, never logged. */
export const operatorToken = z.string().min(16, 'must be at least 16 characters');

/** A Postgres URL (`postgres://user:password@host:5432/db`). */
export const databaseUrl = z.url({ error: 'must be a postgres:// URL' });

/**
 * Reads the variables `schema` names from `env` (an empty string counts as unset, as
 * local.settings.json and ConfigMaps often carry "") and validates them together. On failure,
 * `fail` gets one `NAME: problem` line per bad variable and returns the error to throw.
 */
export function readSettings<Schema extends z.ZodObject>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
  fail: (problems: readonly string[]) => Error,
): z.output<Schema> {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw fail(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  return parsed.data;
}
