// Redis data across damage, with real redis-server and redis-check-aof: a master whose
// append-only manifest is truncated does not start (never a second server on the directory)
// and the message carries the exact command that brings it back with its data; a damaged
// replica is reset and resyncs by itself; a damaged AOF tail is repaired with --fix.
import { execSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

import { AppendOnlyFileError, redisAnswers, type RedisPair, startRedisPair } from '../runtime/redis-pair.js';

const manifestOf = (dir: string, role: string) => join(dir, `redis-${role}`, 'appendonlydir', 'appendonly.aof.manifest');

describe('append-only data of the local Redis pair', () => {
  let dir = '';
  let pair: RedisPair | undefined;
  const logs: string[] = [];
  const events = { log: (message: string) => logs.push(message), output: () => undefined };

  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
    logs.length = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pair with keys in a base file (after a rewrite) and in an incr file, then stopped. */
  async function pairWithData(): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'fib-aof-'));
    pair = await startRedisPair({ dataDir: dir, events });
    const master = new Redis({ port: pair.master.port });
    await master.set('in-base', '1');
    await master.bgrewriteaof();
    for (let i = 0; i < 100 && (await master.info('persistence')).includes('aof_rewrite_in_progress:1'); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await master.set('in-incr', '2');
    await master.wait(1, 2000);
    master.disconnect();
    await pair.stop();
    pair = undefined;
  }

  async function read(port: number, key: string): Promise<string | null> {
    const client = new Redis({ port });
    try {
      return await client.get(key);
    } finally {
      client.disconnect();
    }
  }

  it('refuses to start a master with a truncated manifest, and its advice restores the data', async () => {
    await pairWithData();
    const manifest = manifestOf(dir, 'master');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').slice(0, 30));
    const error = await startRedisPair({ dataDir: dir, events }).then(
      (started) => {
        pair = started;
        return undefined;
      },
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(AppendOnlyFileError);
    const message = (error as Error).message;
    expect(message).toContain('manifest');
    expect(message).toMatch(/mv '.*appendonlydir' '.*appendonlydir\.damaged-/);
    // Run the first advised command exactly as printed.
    const command = /^ {4}(cp .*)$/m.exec(message)?.[1];
    expect(command).toBeDefined();
    execSync(command ?? 'false', { shell: '/bin/sh', stdio: 'ignore' });

    pair = await startRedisPair({ dataDir: dir, events });
    expect(await read(pair.master.port, 'in-base')).toBe('1');
    expect(await read(pair.master.port, 'in-incr')).toBe('2');
  }, 60_000);

  it('resets a replica whose data is damaged; it resyncs from the master', async () => {
    await pairWithData();
    writeFileSync(manifestOf(dir, 'replica'), 'file nothing-here seq 1 type b\n');
    pair = await startRedisPair({ dataDir: dir, events });
    expect(logs.some((line) => /redis-replica: replica data was damaged .*reset it, it resyncs/.test(line))).toBe(true);
    expect(await read(pair.replica.port, 'in-incr')).toBe('2');
  }, 60_000);

  it('repairs a damaged tail of the master append-only file with redis-check-aof --fix', async () => {
    await pairWithData();
    const aofDir = join(dir, 'redis-master', 'appendonlydir');
    const incr = readdirSync(aofDir).find((name) => name.endsWith('.incr.aof'));
    expect(incr).toBeDefined();
    appendFileSync(join(aofDir, incr ?? ''), '*3\r\n$3\r\nSET\r\n$2\r\nxx\r\ngarbage-not-resp\r\n');
    pair = await startRedisPair({ dataDir: dir, events });
    expect(logs.some((line) => line.includes('repaired with: redis-check-aof --fix'))).toBe(true);
    expect(await redisAnswers(pair.master.port)).toBe(true);
    expect(await read(pair.master.port, 'in-incr')).toBe('2');
  }, 60_000);
});
