// Loads the queue's Lua scripts (lua/<command>-<numKeys>.lua) into an ioredis client.
import { readFileSync } from 'node:fs';

import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    enqueue(...keysThenIndices: string[]): Result<string[], Context>;
    claim(...keysThenArgs: (string | number)[]): Result<number[], Context>;
    complete(...keysThenArgs: string[]): Result<number[], Context>;
    requeueExpired(...keysThenArgs: (string | number)[]): Result<[number, number, number], Context>;
  }
}

const scriptFiles = {
  enqueue: 'enqueue-8.lua',
  claim: 'claim-3.lua',
  complete: 'complete-7.lua',
  requeueExpired: 'requeue-expired-7.lua',
} as const;

/** Registers every script as a command (EVALSHA, with EVAL on a cache miss). */
export function defineQueueCommands(client: Redis): void {
  for (const [command, file] of Object.entries(scriptFiles)) {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    const lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    client.defineCommand(command, { numberOfKeys, lua });
  }
}
