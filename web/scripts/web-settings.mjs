// @ts-check
// The web server's settings (the /api proxy's target, timeout and body limit, the local runtime's
// address, the HTTP server's timeouts), read from the environment and validated in this one place.
// The launcher (serve-standalone.mjs) reads them all before Next's server starts and stops with a
// message naming each bad variable; the route handlers read theirs per request through the same
// functions, so no copy of a rule can quietly fall back to a default. Plain JS: the launcher runs
// in the image without a TypeScript loader.

/** Thrown with one `NAME: problem` line per bad variable. */
export class WebSettingsError extends Error {
  name = 'WebSettingsError';
}

/** Where the API listens when API_URL is not set (`func start`'s default port). */
export const defaultApiUrl = 'http://127.0.0.1:7071';

/**
 * How long the /api proxy waits for the API's answer before answering 504 (for an event stream:
 * until its headers; the stream itself then lasts as long as the client stays); API_TIMEOUT_MS.
 * @defaultValue 10000
 */
export const defaultApiTimeoutMs = 10_000;

/**
 * Largest request body the /api proxy forwards, in bytes; a larger one gets 413 before it is read
 * whole. The API's own limit for POST /api/values is 10 000 bytes, so its 413 message still
 * reaches bodies between the two; API_MAX_BODY_BYTES.
 * @defaultValue 65536
 */
export const defaultApiMaxBodyBytes = 64 * 1024;

/**
 * The HTTP server's limits. A client that sends its headers slower than `headersTimeoutMs`, or its
 * whole request slower than `requestTimeoutMs`, gets 408 and is disconnected within one
 * `connectionsCheckingIntervalMs` after that; a socket with no traffic either way for
 * `idleTimeoutMs` is closed (an event stream's 15 s heartbeats keep it open). Idle keep-alive
 * connections close after Node's keepAliveTimeout (5 s; Next's KEEP_ALIVE_TIMEOUT overrides).
 */
export const defaultServerLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  connectionsCheckingIntervalMs: 1_000,
  maxHeaderBytes: 16 * 1024,
});

/** @typedef {{ headersTimeoutMs: number, requestTimeoutMs: number, idleTimeoutMs: number, connectionsCheckingIntervalMs: number, maxHeaderBytes: number }} ServerLimits */
/** @typedef {{ apiUrl: string, apiTimeoutMs: number, apiMaxBodyBytes: number }} ProxySettings */
/** @typedef {Record<string, string | undefined>} Env */

/**
 * `env[name]` as a whole number above 0, or `fallback` when unset or empty; a problem line otherwise.
 * @param {Env} env
 * @param {string} name
 * @param {number} fallback
 * @param {string[]} problems
 */
function wholeNumberAbove0(env, name, fallback, problems) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) {
    problems.push(`${name}: must be a whole number above 0, got "${raw}"`);
    return fallback;
  }
  return Number(raw);
}

/**
 * `env[name]` as an http(s) URL without trailing slashes, or `fallback` when unset or empty.
 * @param {Env} env
 * @param {string} name
 * @param {string | undefined} fallback
 * @param {string[]} problems
 */
function httpUrl(env, name, fallback, problems) {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  let parsed;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    problems.push(`${name}: must be an http(s) URL like http://api, got "${raw}"`);
    return fallback;
  }
  return raw.replace(/\/+$/, '');
}

/**
 * @param {string[]} problems
 */
function throwIfAny(problems) {
  if (problems.length > 0) throw new WebSettingsError(`Invalid web setting(s): ${problems.join('; ')}`);
}

/**
 * The /api proxy's settings: API_URL, API_TIMEOUT_MS, API_MAX_BODY_BYTES.
 * @param {Env} env
 * @returns {ProxySettings}
 */
export function readProxySettings(env) {
  /** @type {string[]} */
  const problems = [];
  const settings = {
    apiUrl: httpUrl(env, 'API_URL', defaultApiUrl, problems) ?? defaultApiUrl,
    apiTimeoutMs: wholeNumberAbove0(env, 'API_TIMEOUT_MS', defaultApiTimeoutMs, problems),
    apiMaxBodyBytes: wholeNumberAbove0(env, 'API_MAX_BODY_BYTES', defaultApiMaxBodyBytes, problems),
  };
  throwIfAny(problems);
  return Object.freeze(settings);
}

/**
 * LOCAL_RUNTIME_URL, the local runtime's status server; undefined where none runs (on AKS).
 * @param {Env} env
 * @returns {string | undefined}
 */
export function readLocalRuntimeUrl(env) {
  /** @type {string[]} */
  const problems = [];
  const url = httpUrl(env, 'LOCAL_RUNTIME_URL', undefined, problems);
  throwIfAny(problems);
  return url;
}

/**
 * The server's limits: WEB_HEADERS_TIMEOUT_MS, WEB_REQUEST_TIMEOUT_MS and WEB_IDLE_TIMEOUT_MS over
 * the defaults.
 * @param {Env} env
 * @returns {ServerLimits}
 */
export function readServerLimits(env) {
  /** @type {string[]} */
  const problems = [];
  const limits = {
    ...defaultServerLimits,
    headersTimeoutMs: wholeNumberAbove0(env, 'WEB_HEADERS_TIMEOUT_MS', defaultServerLimits.headersTimeoutMs, problems),
    requestTimeoutMs: wholeNumberAbove0(env, 'WEB_REQUEST_TIMEOUT_MS', defaultServerLimits.requestTimeoutMs, problems),
    idleTimeoutMs: wholeNumberAbove0(env, 'WEB_IDLE_TIMEOUT_MS', defaultServerLimits.idleTimeoutMs, problems),
  };
  if (problems.length === 0 && limits.headersTimeoutMs > limits.requestTimeoutMs) {
    problems.push(
      `WEB_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not exceed WEB_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  throwIfAny(problems);
  return limits;
}

/**
 * Every web setting at once, for the launcher: throws one WebSettingsError naming every bad variable.
 * @param {Env} env
 * @returns {{ proxy: ProxySettings, localRuntimeUrl: string | undefined, serverLimits: ServerLimits }}
 */
export function readWebSettings(env) {
  /** @type {string[]} */
  const problems = [];
  /**
   * @template T
   * @param {(env: Env) => T} read
   * @returns {T | undefined}
   */
  const collect = (read) => {
    try {
      return read(env);
    } catch (error) {
      if (!(error instanceof WebSettingsError)) throw error;
      problems.push(error.message.replace('Invalid web setting(s): ', ''));
      return undefined;
    }
  };
  const proxy = collect(readProxySettings);
  const localRuntimeUrl = collect(readLocalRuntimeUrl);
  const serverLimits = collect(readServerLimits);
  throwIfAny(problems);
  return {
    proxy: /** @type {ProxySettings} */ (proxy),
    localRuntimeUrl,
    serverLimits: /** @type {ServerLimits} */ (serverLimits),
  };
}
