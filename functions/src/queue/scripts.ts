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
    complete(...keysThenArgs: string[]): Result<number[], Context>;
    giveBack(...keysThenArgs: (string | number)[]): Result<[number, number], Context>;
    requeueExpired(...keysThenArgs: (string | number)[]): Result<[number, number, number], Context>;
  }
}

const scriptFiles = {
  enqueue: 'enqueue-9.lua',
  requeueLogged: 'requeue-logged-9.lua',
  claim: 'claim-3.lua',
  complete: 'complete-8.lua',
  giveBack: 'give-back-9.lua',
  requeueExpired: 'requeue-expired-9.lua',
} as const;

/**
 * The script commands. Each call already carries a whole batch (batching/Batcher), so the
 * client sends them as they come instead of through ioredis' auto-pipeline, which built a
 * Pipeline per call for nothing (~8 % of the API's CPU per POST, A/B on this machine).
 */
export const queueCommandNames: readonly string[] = Object.keys(scriptFiles);

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

/**
 * KEYS[1..9] of the two scripts that decide a popped task's fate (give-back-9,
 * requeue-expired-9): tasks, queued, leases, attempts, failed, values, sequence, counters, events.
 */
export function redeliveryKeys(k: RedisKeys): string[] {
  return [k.tasks, k.queued, k.leases, k.attempts, k.failed, k.values, k.sequence, k.counters, k.events];
}
