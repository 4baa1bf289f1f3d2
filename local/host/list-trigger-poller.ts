// Emulates the Functions Redis extension's list trigger (RedisListListener, Azure/azure-functions-redis-extension
// src/Microsoft.Azure.WebJobs.Extensions.Redis/ListTrigger/RedisListListener.cs: ListLeftPopAsync(key,
// maxBatchSize), then Task.WhenAll of one execution per entry; the poll interval is its base
// class's loop): pop up to maxBatchSize entries with LPOP key COUNT, run one invocation per entry
// in parallel, wait for all, then sleep pollingIntervalInMs — same batch, same wait, same entry values.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import azf from '@azure/functions';
import type { Redis } from 'ioredis';

import { errorMessage } from '../../functions/src/errors.js';
import type { RedisListRegistration } from '../../functions/src/registration-types.js';
import { invocationLogHandler, type LogLine } from './logging.js';

/**
 * How the Node library turns a string trigger value into the handler's argument: JSON when it
 * parses, else the string (Azure/azure-functions-nodejs-library src/converters/fromRpcTypedData.ts,
 * `data.string` → tryJsonParse).
 */
export function toTriggerValue(entry: string): unknown {
  try {
    return JSON.parse(entry);
  } catch {
    return entry;
  }
}

/** A running poller. */
export interface ListPoller {
  /** Stops polling after the batch in flight completes. */
  stop(): Promise<void>;
}

/** Runs one invocation per entry; resolves to the failure message, or undefined on success. */
export type Invoker = (entry: string) => Promise<string | undefined>;

/** Builds the invoker for a list-trigger registration: same context and entry value as the host. */
export function createInvoker(registration: RedisListRegistration, log: (line: LogLine) => void): Invoker {
  const { key } = registration.trigger;
  return async (entry) => {
    const context = new azf.InvocationContext({
      functionName: registration.name,
      invocationId: randomUUID(),
      logHandler: invocationLogHandler(registration.name, log),
      triggerMetadata: { key },
    });
    try {
      await registration.handler(toTriggerValue(entry), context);
      return undefined;
    } catch (error) {
      // The extension ignores the outcome (the host logs it); leases and the requeue timer retry.
      return errorMessage(error);
    }
  };
}

/** Runs a popped batch in parallel, waits for all, logs failures once per batch. */
export async function runBatch(
  registration: RedisListRegistration,
  invoke: Invoker,
  entries: string[],
  log: (line: LogLine) => void,
): Promise<void> {
  const failures = (await Promise.all(entries.map(invoke))).filter((failure) => failure !== undefined);
  if (failures.length > 0) {
    // One line per batch, not per invocation: a Redis outage would otherwise print thousands.
    log({
      level: 'error',
      source: registration.name,
      message: `${failures.length} of ${entries.length} invocations failed (first: ${failures[0]}); their leases expire and the requeue timer retries them`,
    });
  }
}

/** How long the first poll waits for the connection before polling (and logging failures) anyway. */
const firstConnectWaitMs = 10_000;

/** Resolves once `client` is ready, after `timeoutMs`, or when `signal` aborts, whichever comes first. */
function connected(client: Redis, timeoutMs: number, signal: AbortSignal): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Starts polling `registration.trigger.key` on `client` (a Redis master connection). Unlike the
 * real extension this loop survives a failed poll (it logs and polls again); `--strict-trigger`
 * runs strict-list-listener.ts instead, which reproduces the extension's loop exactly.
 */
export function startListPoller(registration: RedisListRegistration, client: Redis, log: (line: LogLine) => void): ListPoller {
  const { key, maxBatchSize, pollingIntervalInMs } = registration.trigger;
  // `client` is the poller's own connection. An LPOP that timed out during an outage must never
  // run later: ioredis would otherwise keep it in its offline queue, or resend it after the
  // reconnect, and pop entries whose promise was already rejected (no invocation ever sees them).
  client.options.enableOfflineQueue = false;
  client.options.autoResendUnfulfilledCommands = false;
  const stopping = new AbortController();
  const invoke = createInvoker(registration, log);
  let failingSince: number | undefined;
  const loop = (async () => {
    // Without an offline queue, a poll sent while the connection is still being made fails at
    // once; the first poll waits for it (bounded), so a worker's start is not logged as an outage.
    await connected(client, firstConnectWaitMs, stopping.signal);
    while (!stopping.signal.aborted) {
      try {
        const entries = await client.lpop(key, maxBatchSize);
        if (failingSince !== undefined) {
          log({
            level: 'information',
            source: registration.name,
            message: `polling again after ${Date.now() - failingSince} ms of failed polls`,
          });
          failingSince = undefined;
        }
        if (entries && entries.length > 0) await runBatch(registration, invoke, entries, log);
      } catch (error) {
        // One line per outage, not one per poll.
        if (failingSince === undefined) {
          failingSince = Date.now();
          log({
            level: 'warning',
            source: registration.name,
            message: `poll failed: ${errorMessage(error)}; retrying every ${pollingIntervalInMs} ms`,
          });
        }
      }
      await sleep(pollingIntervalInMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
