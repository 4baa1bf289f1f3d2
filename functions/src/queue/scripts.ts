// The queue's Lua scripts (lua/<command>-<numKeys>.lua), as BullMQ's `Scripts` class holds
// them: loaded into an ioredis client with shared fragments inlined (`--- @include "name"` →
// lua/includes/name.lua), and called only through {@link QueueScripts}, the one place that
// spells each script's KEYS and ARGV order.
import { readFileSync } from 'node:fs';

import type { Redis, Result } from 'ioredis';

import type { RedisKeys } from '../redis/keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    enqueue(...keysThenArgs: string[]): Result<string[], Context>;
    requeueLogged(...keysThenArgs: (string | number)[]): Result<number, Context>;
    claim(...keysThenArgs: (string | number)[]): Result<number[], Context>;
    complete(...keysThenArgs: (string | number | Buffer)[]): Result<number[], Context>;
    giveBack(...keysThenArgs: (string | number)[]): Result<[number, number], Context>;
    requeueExpired(...keysThenArgs: (string | number)[]): Result<[number, number, number], Context>;
    renewLeases(...keysThenArgs: (string | number)[]): Result<number[], Context>;
    takeBudget(...keysThenArgs: (string | number)[]): Result<[number, number], Context>;
  }
}

/** Each command's file; the number before `.lua` is its number of KEYS. */
export const scriptFiles = {
  enqueue: 'enqueue-9.lua',
  requeueLogged: 'requeue-logged-10.lua',
  claim: 'claim-4.lua',
  complete: 'complete-8.lua',
  giveBack: 'give-back-10.lua',
  requeueExpired: 'requeue-expired-10.lua',
  renewLeases: 'renew-leases-2.lua',
  takeBudget: 'take-budget-1.lua',
} as const;

/** A script command's name. */
export type ScriptCommand = keyof typeof scriptFiles;

/** A key a script takes: a field of {@link RedisKeys}, or `budget` (one client's bucket, `<budgetPrefix><client>`). */
type ScriptKey = keyof RedisKeys | 'budget';

// give-back and requeue-expired (the maintenance timer's) decide a popped task's fate on the same keys.
const redeliveryKeys = [
  'tasks',
  'queued',
  'leases',
  'attempts',
  'failed',
  'valuePrefix',
  'sequence',
  'counters',
  'events',
  'leaseOwners',
] as const satisfies readonly ScriptKey[];

/**
 * The KEYS of each script in order. Each Lua file binds them, in this order, to locals named
 * after them at its top (`local queuedKey = KEYS[2]`; a prefix keeps its name: `valuePrefix`).
 */
export const scriptKeyNames = {
  enqueue: ['valuePrefix', 'queued', 'leases', 'failed', 'recent', 'sequence', 'tasks', 'attempts', 'events'],
  requeueLogged: [
    'valuePrefix',
    'queued',
    'leases',
    'failed',
    'recent',
    'sequence',
    'tasks',
    'replayCursor',
    'events',
    'computed',
  ],
  claim: ['valuePrefix', 'queued', 'leases', 'leaseOwners'],
  complete: ['valuePrefix', 'queued', 'leases', 'failed', 'attempts', 'computed', 'events', 'leaseOwners'],
  giveBack: redeliveryKeys,
  requeueExpired: redeliveryKeys,
  renewLeases: ['leases', 'leaseOwners'],
  takeBudget: ['budget'],
} as const satisfies Record<ScriptCommand, readonly ScriptKey[]>;

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
function defineScriptCommands(client: Redis): void {
  if (defined.has(client)) return;
  defined.add(client);
  for (const [command, file] of Object.entries(scriptFiles)) {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    client.defineCommand(command, { numberOfKeys, lua: loadScript(file) });
  }
}

/** An index with the value its script pairs with it (a lease deadline, a stored value, a give-back flag). */
export type IndexPair<T> = readonly [indexKey: string, value: T];

/**
 * The scripts on one client and one set of keys. Each method sends its script's KEYS and ARGV in
 * the order the script's header lists them; callers pass values, never key lists.
 */
export class QueueScripts {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
  ) {
    defineScriptCommands(client);
  }

  private keysOf(command: Exclude<ScriptCommand, 'takeBudget'>): string[] {
    return scriptKeyNames[command].map((name) => this.keys[name]);
  }

  /** enqueue-9: records submissions and queues each index not yet known or pending. */
  enqueue(indexKeys: readonly string[]): Promise<string[]> {
    return this.client.enqueue(...this.keysOf('enqueue'), ...indexKeys);
  }

  /**
   * requeue-logged-10: queues the logged indices Redis knows nothing about (or, with `drop`, records
   * them as computed and dropped); moves the cursor to `lastId`.
   */
  requeueLogged(lastId: number, unknown: 'queue' | 'drop', indexKeys: readonly string[]): Promise<number> {
    return this.client.requeueLogged(...this.keysOf('requeueLogged'), lastId, unknown, ...indexKeys);
  }

  /** claim-4: takes the leases for `leaseToken`, each until its deadline; 1 per index to compute, 0 when its value is stored. */
  claim(leaseToken: string, claims: readonly IndexPair<number>[]): Promise<number[]> {
    return this.client.claim(...this.keysOf('claim'), leaseToken, ...claims.flat());
  }

  /** renew-leases-2: moves to `deadline` the leases `leaseToken` holds; 1 per index renewed, 0 per one it does not hold. */
  renewLeases(leaseToken: string, deadline: number, indexKeys: readonly string[]): Promise<number[]> {
    return this.client.renewLeases(...this.keysOf('renewLeases'), leaseToken, deadline, ...indexKeys);
  }

  /** complete-8: stores values (each expiring after `valueTtlMs`); 1 per value stored by this call. */
  complete(valueTtlMs: number, values: readonly IndexPair<Buffer>[]): Promise<number[]> {
    return this.client.complete(...this.keysOf('complete'), valueTtlMs, ...values.flat());
  }

  /**
   * give-back-10: hands tasks back, but for those now leased under another token; each flag is
   * 0 (unstarted) or the failure (1, or its reason).
   */
  giveBack(
    maxAttempts: number,
    now: number,
    leaseToken: string,
    tasks: readonly IndexPair<string | number>[],
  ): Promise<[number, number]> {
    return this.client.giveBack(...this.keysOf('giveBack'), maxAttempts, now, leaseToken, ...tasks.flat());
  }

  /** requeue-expired-10: one pass of lease recovery; [found, requeued, failed]. */
  requeueExpired(now: number, leaseMs: number, maxAttempts: number, limit: number): Promise<[number, number, number]> {
    return this.client.requeueExpired(...this.keysOf('requeueExpired'), now, leaseMs, maxAttempts, limit);
  }

  /** take-budget-1: takes `cost` from one client's token bucket; [1, 0] when taken, [0, wait ms] when not. */
  takeBudget(client: string, cost: number, capacity: number, refillPerSecond: number): Promise<[number, number]> {
    return this.client.takeBudget(`${this.keys.budgetPrefix}${client}`, cost, capacity, refillPerSecond);
  }
}
