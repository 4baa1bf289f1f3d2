// Parses the StackExchange.Redis connection-string form that the Functions Redis extension
// requires (`host:port,password=...,ssl=False`) into ioredis options, so both read one setting.
// Format: https://stackexchange.github.io/StackExchange.Redis/Configuration.html

/** The parts of a StackExchange.Redis connection string that ioredis needs. */
export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
  db: number;
}

/** Thrown with a message that names what is wrong with the string (never its password). */
export class ConnectionStringError extends Error {
  override name = 'ConnectionStringError';
}

const booleanWords: Record<string, boolean> = { true: true, false: false };

/**
 * Parses `host[:port][,key=value...]`. Recognised keys (case-insensitive): `password`,
 * `user`, `ssl`, `defaultDatabase`; StackExchange-only keys such as `abortConnect`,
 * `connectTimeout` or `syncTimeout` are accepted and ignored.
 */
export function parseRedisConnectionString(text: string): RedisEndpoint {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  const endpoints = parts.filter((part) => !part.includes('='));
  const options = parts.filter((part) => part.includes('='));
  if (text.includes('://')) {
    throw new ConnectionStringError('expected the StackExchange.Redis form "host:port,password=...,ssl=False", not a URL');
  }
  const endpoint = endpoints[0];
  if (endpoint === undefined) {
    throw new ConnectionStringError('no "host:port" endpoint found');
  }
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(endpoint);
  if (!match?.[1]) {
    throw new ConnectionStringError(`endpoint "${endpoint}" is not "host:port"`);
  }
  const port = match[2] === undefined ? 6379 : Number(match[2]);
  if (port < 1 || port > 65535) {
    throw new ConnectionStringError(`port ${port} is out of range`);
  }
  const result: RedisEndpoint = {
    host: match[1].replace(/^\[|\]$/g, ''),
    port,
    tls: false,
    db: 0,
  };
  for (const option of options) {
    const separator = option.indexOf('=');
    const key = option.slice(0, separator).trim().toLowerCase();
    const value = option.slice(separator + 1).trim();
    switch (key) {
      case 'password':
        result.password = value;
        break;
      case 'user':
        result.username = value;
        break;
      case 'ssl': {
        const flag = booleanWords[value.toLowerCase()];
        if (flag === undefined) throw new ConnectionStringError(`ssl must be True or False, got "${value}"`);
        result.tls = flag;
        break;
      }
      case 'defaultdatabase': {
        const db = Number(value);
        if (!Number.isInteger(db) || db < 0) {
          throw new ConnectionStringError(`defaultDatabase must be a whole number, got "${value}"`);
        }
        result.db = db;
        break;
      }
      default:
        // Other StackExchange.Redis options (abortConnect, connectTimeout, ...) only matter to
        // the extension's client.
        break;
    }
  }
  return result;
}
