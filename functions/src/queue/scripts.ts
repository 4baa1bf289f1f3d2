// Loads the queue's Lua scripts (lua/<command>-<numKeys>.lua) into an ioredis client, with
// shared fragments inlined as BullMQ does (`--- @include "name"` → lua/includes/name.lua).
import { readFileSync } from 'node:fs';

import type { Redis, Result } from 'ioredis';

import type { RedisKeys } from '../redis/keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    enqueue(...keysThenIndices: string[]): Result<string[], Context>;
    requeueLogged(...keysThenArgs: (string | number)[]): Result<number, Context>;
    claim(...keysThenArgs: (string | number)[]): Result<number[], Context>;
    complete(...keysThenArgs: (string | number | Buffer)[]): Result<number[], Context>;
    giveBack(...keysThenArgs: (string | number)[]): Result<[number, number], Context>;
    requeueExpired(...keysThenArgs: (string | number)[]): Result<[number, number, number], Context>;
    takeBudget(key: string, cost: number, capacity: number, refillPerSecond: number): Result<[number, number], Context>;
  }
}

const scriptFiles = {
  enqueue: 'enqueue-9.lua',
  requeueLogged: 'requeue-logged-10.lua',
  claim: 'claim-3.lua',
  complete: 'complete-7.lua',
  giveBack: 'give-back-9.lua',
  requeueExpired: 'requeue-expired-9.lua',
  takeBudget: 'take-budget-1.lua',
} as const;

/**
 * The script commands. Each call already carries a whole batch (batching/Batcher), so the
 * client sends them as they come instead of through ioredis' auto-pipeline, which built a
 * Pipeline per call for nothing (a measurable share of the API's CPU per POST: README, Measured).
 */
export const queueCommandNames: readonly string[] = Object.keys(scriptFiles).filter(
  // One budget call per request: these do gain from sharing a pipeline.
  (name) => name !== 'takeBudget',
);

const includePattern = /^--- @include "([\w-]+)"$/gm;

function readLua(path: string): string {
  return readFileSync(new URL(`./lua/${path}`, import.meta.url), 'utf8');
}

/** A script's text with every include inlined once (includes may include others). */
export function loadScript(file: string): string {
  const included = new Set<string>();
  const inline = (text: string): string =>
    text.replace(includePattern, (_line, name: string) => {
      if (included.has(name)) return '';
      included.add(name);
      return inline(readLua(`includes/${name}.lua`));
    });
  return inline(readLua(file));
}

const defined = new WeakSet<Redis>();

/** Registers every script as a command (EVALSHA, with EVAL on a cache miss); once per client. */
export function defineQueueCommands(client: Redis): void {
  if (defined.has(client)) return;
  defined.add(client);
  for (const [command, file] of Object.entries(scriptFiles)) {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    client.defineCommand(command, { numberOfKeys, lua: loadScript(file) });
  }
}

/** The KEYS of each script, in the order its header lists them: the one place they are spelled. */
export const scriptKeys = {
  enqueue: (k: RedisKeys) => [k.valuePrefix, k.queued, k.leases, k.failed, k.recent, k.sequence, k.tasks, k.attempts, k.events],
  requeueLogged: (k: RedisKeys) => [
    k.valuePrefix,
    k.queued,
    k.leases,
    k.failed,
    k.recent,
    k.sequence,
    k.tasks,
    k.replayCursor,
    k.events,
    k.computed,
  ],
  claim: (k: RedisKeys) => [k.valuePrefix, k.queued, k.leases],
  complete: (k: RedisKeys) => [k.valuePrefix, k.queued, k.leases, k.failed, k.attempts, k.computed, k.events],
  /** give-back-9 and requeue-expired-9 decide a popped task's fate on the same keys. */
  redelivery: (k: RedisKeys) => [
    k.tasks,
    k.queued,
    k.leases,
    k.attempts,
    k.failed,
    k.valuePrefix,
    k.sequence,
    k.counters,
    k.events,
  ],
} as const;

/** KEYS of give-back-9 and requeue-expired-9. */
export function redeliveryKeys(k: RedisKeys): string[] {
  return scriptKeys.redelivery(k);
}
