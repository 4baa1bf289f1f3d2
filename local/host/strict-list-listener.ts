// Strict mode of the local host's Redis list trigger (--strict-trigger): reproduces the real
// extension's listener exactly, failure behaviour included, so tests can see what AKS would.
// Checked in Azure/azure-functions-redis-extension (src/Microsoft.Azure.WebJobs.Extensions.Redis,
// commit 053e26c7):
//  - PollingTriggerBase/RedisPollingTriggerBaseListener.cs, StartAsync: connects once
//    (ConnectionMultiplexer.ConnectAsync), reads `serverVersion = GetServers()[0].Version` once,
//    then `_ = Task.Run(() => Loop(ct))`; Loop is `while (!cancelled) { await PollAsync(ct);
//    await Task.Delay(pollingInterval); }` with no try/catch, so the first poll that throws
//    ends polling for the life of the process, and nothing logs or restarts it.
//  - ListTrigger/RedisListListener.cs, PollAsync: if serverVersion >= 6.2, LPOP key COUNT
//    maxBatchSize and one invocation per entry with Task.WhenAll; else a single LPOP without
//    COUNT (one entry per poll). BeforePolling warns about it once.
// StackExchange.Redis (what the extension connects with): when the server is unreachable at
// connect, abortConnect=True (its default) makes ConnectAsync throw; with abortConnect=False it
// returns a disconnected multiplexer whose server version is the default 3.0.0. A command
// issued while disconnected waits in its backlog and throws after asyncTimeout (default =
// syncTimeout = 5000 ms). https://stackexchange.github.io/StackExchange.Redis/Configuration.html
// A listener whose StartAsync throws is retried by the WebJobs host's FunctionListener with a
// randomized exponential backoff from 2 s to 2 min (azure-webjobs-sdk Listeners/FunctionListener.cs).
import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';

import { errorMessage } from '../../functions/src/errors.js';
import { endpointOptions } from '../../functions/src/redis/client.js';
import { parseRedisConnectionString } from '../../functions/src/redis/connection-string.js';
import type { RedisListRegistration } from '../../functions/src/registration-types.js';
import { createInvoker, type ListPoller, runBatch } from './list-trigger-poller.js';
import type { LogLine } from './logging.js';

/** The StackExchange.Redis options that decide how the extension's listener fails. */
export interface ExtensionClientOptions {
  /** @defaultValue true (StackExchange.Redis's default outside Azure) */
  abortConnect: boolean;
  /** @defaultValue syncTimeout, itself 5000 */
  asyncTimeoutMs: number;
  /** @defaultValue 5000 */
  connectTimeoutMs: number;
}

/** Reads abortConnect / asyncTimeout / syncTimeout / connectTimeout from a connection string. */
export function extensionClientOptions(connectionString: string): ExtensionClientOptions {
  const options = new Map(
    connectionString
      .split(',')
      .filter((part) => part.includes('='))
      .map((part) => {
        const separator = part.indexOf('=');
        return [part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim()] as const;
      }),
  );
  const milliseconds = (name: string): number | undefined => {
    const value = options.get(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const syncTimeoutMs = milliseconds('synctimeout') ?? 5000;
  return {
    abortConnect: options.get('abortconnect')?.toLowerCase() !== 'false',
    asyncTimeoutMs: milliseconds('asynctimeout') ?? syncTimeoutMs,
    connectTimeoutMs: milliseconds('connecttimeout') ?? 5000,
  };
}

/** StackExchange.Redis's version when it never reached the server (RedisFeatures v3.0.0). */
export const unknownServerVersion = '3.0.0';

function atLeast(version: string, minimum: [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

/** A strict listener; `state` says whether it still polls. */
export interface StrictListListener extends ListPoller {
  readonly state: 'starting' | 'polling' | 'ended';
  readonly serverVersion: string | undefined;
}

/**
 * Starts the listener for `registration` on the connection string in the app setting it names
 * (`connection`), exactly as the extension would.
 */
export function startStrictListListener(
  registration: RedisListRegistration,
  connectionString: string,
  log: (line: LogLine) => void,
): StrictListListener {
  const { key, maxBatchSize, pollingIntervalInMs, listDirection } = registration.trigger;
  const endpoint = parseRedisConnectionString(connectionString);
  const clientOptions = extensionClientOptions(connectionString);
  const invoke = createInvoker(registration, log);
  const stopping = new AbortController();
  const say = (level: LogLine['level'], message: string) => log({ level, source: `${registration.name} (strict)`, message });
  let state: StrictListListener['state'] = 'starting';
  let serverVersion: string | undefined;
  let client: Redis | undefined;

  const connect = async (): Promise<Redis> => {
    const candidate = new Redis({
      ...endpointOptions(endpoint),
      lazyConnect: true,
      connectTimeout: clientOptions.connectTimeoutMs,
      commandTimeout: clientOptions.asyncTimeoutMs,
      // No ioredis offline queue and no resend: a timed-out command would otherwise still run
      // (and pop!) after a reconnect. StackExchange.Redis drops a command that timed out; see awaitBacklog.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 250, 5000),
    });
    candidate.on('error', () => undefined); // reported through the failing commands
    try {
      await candidate.connect();
      const info = await candidate.info('server');
      serverVersion = /redis_version:([\d.]+)/.exec(info)?.[1] ?? unknownServerVersion;
    } catch (error) {
      if (clientOptions.abortConnect) {
        candidate.disconnect();
        throw error;
      }
      // abortConnect=False: ConnectAsync returns; GetServers()[0].Version is the default.
      serverVersion = unknownServerVersion;
    }
    return candidate;
  };

  // StackExchange.Redis's backlog: a command issued while disconnected waits for the reconnect
  // and throws once asyncTimeout has passed, without ever being sent.
  const awaitBacklog = async (redis: Redis): Promise<void> => {
    if (redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', ready);
        reject(new Error(`Timeout awaiting response (${clientOptions.asyncTimeoutMs} ms in the backlog, disconnected)`));
      }, clientOptions.asyncTimeoutMs);
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', ready);
    });
  };

  const poll = async (redis: Redis): Promise<void> => {
    await awaitBacklog(redis);
    const pop = listDirection === 'left' ? 'lpop' : 'rpop';
    if (atLeast(serverVersion ?? unknownServerVersion, [6, 2])) {
      const entries = await redis[pop](key, maxBatchSize);
      if (entries && entries.length > 0) await runBatch(registration, invoke, entries, log);
    } else {
      const entry = await redis[pop](key);
      if (entry !== null && entry !== '') await runBatch(registration, invoke, [entry], log);
    }
  };

  const run = (async () => {
    // FunctionListener: retry a failed StartAsync with a randomized exponential backoff, 2 s .. 2 min.
    for (let attempt = 0; !stopping.signal.aborted && client === undefined; attempt += 1) {
      try {
        client = await connect();
      } catch (error) {
        const delay = Math.min(2000 * 2 ** attempt, 120_000) * (0.8 + Math.random() * 0.4);
        say('error', `the listener was unable to start (${errorMessage(error)}); retrying in ${Math.round(delay)} ms`);
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
    if (!client) return;
    if (!atLeast(serverVersion ?? unknownServerVersion, [6, 2]) && maxBatchSize > 1) {
      say(
        'warning',
        `the server version (${serverVersion}) is lower than 6.2: polling with ${listDirection === 'left' ? 'LPOP' : 'RPOP'} without COUNT, one entry per poll, for the life of this process`,
      );
    }
    state = 'polling';
    while (!stopping.signal.aborted) {
      try {
        await poll(client);
      } catch (error) {
        if (stopping.signal.aborted) break;
        state = 'ended';
        say(
          'error',
          `poll threw (${errorMessage(error)}): polling has ended for the life of this process, as in the Redis extension (its loop has no try/catch)`,
        );
        return;
      }
      await sleep(pollingIntervalInMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();

  return {
    get state() {
      return state;
    },
    get serverVersion() {
      return serverVersion;
    },
    async stop() {
      stopping.abort();
      await run;
      client?.disconnect();
    },
  };
}
