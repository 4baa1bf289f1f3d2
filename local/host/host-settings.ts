// The local host's settings, read once at start: its own (LOCAL_HOST_STRICT_TRIGGER, refused when
// bad like every local setting) and the Functions host's that it emulates, parsed as the real host
// parses them. The real host falls back to its default on a value it cannot parse; so does this
// one, but it says so, naming the variable, instead of ignoring it silently.
import { z } from 'zod';

import { flag, readSettings } from '../../functions/src/settings-schema.js';

/** The real host's default body limit (azure-functions-host src/WebJobs.Script/ScriptConstants.cs DefaultMaxRequestBodySize). */
export const hostDefaultMaxBodyBytes = 104_857_600;

/** Thrown with one line per bad setting, each naming the variable. */
export class HostSettingsError extends Error {
  override name = 'HostSettingsError';
}

const ownSettingsSchema = z.object({
  /** 1: the list trigger behaves exactly like the Redis extension (strict-list-listener.ts). */
  LOCAL_HOST_STRICT_TRIGGER: flag,
});

/** What the local host runs with. */
export interface HostSettings {
  /** The list trigger runs the extension's exact loop (LOCAL_HOST_STRICT_TRIGGER). */
  strictTrigger: boolean;
  /** Largest request body (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT). */
  maxBodyBytes: number;
  /** X-Forwarded-For from a proxy in front is trusted for one hop (ASPNETCORE_FORWARDEDHEADERS_ENABLED). */
  trustForwardedHeaders: boolean;
  /** Each platform setting the real host would ignore, named, for the log. */
  warnings: readonly string[];
}

/**
 * The body limit the real host applies for `env`: FUNCTIONS_REQUEST_BODY_SIZE_LIMIT when it parses
 * as a whole number (long.TryParse in HttpRequestBodySizeMiddleware.cs), else the 100 MB default.
 */
export function hostBodyLimit(env: NodeJS.ProcessEnv): number {
  return wholeBytes(env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT?.trim()) ?? hostDefaultMaxBodyBytes;
}

/** A setting that parses as a whole number of bytes, else undefined. */
function wholeBytes(setting: string | undefined): number | undefined {
  return setting && /^\d+$/.test(setting) ? Number(setting) : undefined;
}

/** Reads `env`; a bad LOCAL_HOST_STRICT_TRIGGER throws a HostSettingsError naming it. */
export function loadHostSettings(env: NodeJS.ProcessEnv): Readonly<HostSettings> {
  const own = readSettings(
    ownSettingsSchema,
    env,
    (problems) => new HostSettingsError(`Invalid local host setting(s): ${problems.join('; ')}`),
  );
  const warnings: string[] = [];
  const bodyLimit = env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT?.trim();
  const parsedBodyLimit = wholeBytes(bodyLimit);
  const maxBodyBytes = parsedBodyLimit ?? hostDefaultMaxBodyBytes;
  if (bodyLimit && parsedBodyLimit === undefined) {
    warnings.push(
      `FUNCTIONS_REQUEST_BODY_SIZE_LIMIT="${bodyLimit}" is not a whole number of bytes; the host's default (${hostDefaultMaxBodyBytes}) applies, as under the real host`,
    );
  }
  // ASP.NET Core turns the middleware on only for "true" (any case); anything else leaves it off
  // (dotnet/aspnetcore src/DefaultBuilder/src/ForwardedHeadersOptionsSetup.cs:
  // string.Equals("true", configuration["ForwardedHeaders_Enabled"], OrdinalIgnoreCase)).
  const forwarded = env.ASPNETCORE_FORWARDEDHEADERS_ENABLED?.toLowerCase();
  if (forwarded && forwarded !== 'true' && forwarded !== 'false') {
    warnings.push(
      `ASPNETCORE_FORWARDEDHEADERS_ENABLED="${forwarded}" is neither true nor false; read as false, as under the real host`,
    );
  }
  return Object.freeze({
    strictTrigger: own.LOCAL_HOST_STRICT_TRIGGER,
    maxBodyBytes,
    trustForwardedHeaders: forwarded === 'true',
    warnings: Object.freeze(warnings),
  });
}
