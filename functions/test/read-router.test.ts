// Node names, the nodes' state the read router keeps, and the one rule that decides an index's status.
import { type Redis, ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';

import { indexStatus } from '../src/queue/records.js';
import { parseRedisConnectionString } from '../src/redis/connection-string.js';
import { nodeName, ReadRouter, redisNodeNames } from '../src/redis/read-router.js';

describe('nodeName', () => {
  it.each([
    ['redis-0.redis-headless.fib.svc.cluster.local:6379', 'master', 'redis-0'],
    ['redis-1.redis-headless:6379,password=x', 'replica', 'redis-1'],
    ['127.0.0.1:6380', 'master', 'master'],
    ['[::1]:6381', 'replica', 'replica'],
    ['localhost:6381', 'replica', 'replica'],
  ] as const)('names %s (%s) %s', (connection, role, expected) => {
    expect(nodeName(parseRedisConnectionString(connection), role)).toBe(expected);
  });
});

describe('redisNodeNames', () => {
  const endpoint = (connection: string) => parseRedisConnectionString(connection);

  it('names one node when REDIS_REPLICA is the master itself', () => {
    expect(redisNodeNames(endpoint('redis-0.redis-headless:6379'), endpoint('redis-0.redis-headless:6379'))).toEqual({
      master: 'redis-0',
    });
  });

  it('names two hosts with the same first label by their roles, so the names always differ', () => {
    expect(redisNodeNames(endpoint('redis.a.example:6379'), endpoint('redis.b.example:6379'))).toEqual({
      master: 'master',
      replica: 'replica',
    });
    expect(redisNodeNames(endpoint('redis-0.redis-headless:6379'), endpoint('redis-1.redis-headless:6379'))).toEqual({
      master: 'redis-0',
      replica: 'redis-1',
    });
  });
});

/** ioredis re-exports redis-errors' ReplyError untyped. */
const RedisReplyError = ReplyError as new (message: string) => Error;

describe('ReadRouter node state', () => {
  // observe/downSince/readsFrom never touch a client.
  const unused = () => ({}) as Redis;
  const router = (withReplica = true) =>
    new ReadRouter(unused, withReplica ? unused : undefined, { masterName: 'redis-0', replicaName: 'redis-1' });

  it('reads from the replica until a check finds it not serving, then from the master since then, and back', () => {
    const reads = router();
    expect(reads.readsFrom).toBe('redis-1');
    const before = Date.now();
    reads.observe('replica', 'failed', new Error('connection refused'));
    expect(reads.readsFrom).toBe('redis-0');
    expect(reads.downSince('replica')).toBeGreaterThanOrEqual(before);
    reads.observe('replica', 'ok');
    expect(reads.readsFrom).toBe('redis-1');
    expect(reads.downSince('replica')).toBeNull();
  });

  it('keeps the first moment of an outage while later checks still fail', () => {
    const reads = router();
    reads.observe('master', 'failed', new Error('timeout'));
    const since = reads.downSince('master');
    reads.observe('master', 'failed', new Error('timeout'));
    expect(reads.downSince('master')).toBe(since);
  });

  it("ends a master's outage when it answers again, unless it refused a write: only a write that succeeds ends that", () => {
    const reads = router();
    reads.observe('master', 'failed', new Error('connect ECONNREFUSED'));
    reads.observe('master', 'answered');
    expect(reads.downSince('master')).toBeNull();
    reads.observe('master', 'failed', new RedisReplyError('OOM command not allowed when used memory > maxmemory'));
    reads.observe('master', 'answered');
    expect(reads.downSince('master')).toEqual(expect.any(Number));
    reads.observe('master', 'ok');
    expect(reads.downSince('master')).toBeNull();
  });

  it('lists one node and reads from the master when REDIS_REPLICA is the master itself', () => {
    const reads = router(false);
    expect(reads.nodes).toEqual([{ name: 'redis-0', role: 'master' }]);
    expect(reads.readsFrom).toBe('redis-0');
    expect(reads.downSince('replica')).toBeNull();
  });
});

describe('indexStatus', () => {
  const none = { done: false, computed: false, failed: false, leased: false, queued: false };
  it('decides done first, then failed, computing, queued; unknown when Redis has nothing', () => {
    expect(indexStatus({ ...none, done: true, leased: true })).toBe('done');
    expect(indexStatus({ ...none, failed: true, queued: true })).toBe('failed');
    expect(indexStatus({ ...none, leased: true, queued: true })).toBe('computing');
    expect(indexStatus({ ...none, queued: true })).toBe('queued');
    expect(indexStatus(none)).toBeUndefined();
  });

  it('reads an index Redis does not know but the submissions log holds as queued (the log replay queues it again)', () => {
    expect(indexStatus({ ...none, logged: true })).toBe('queued');
    expect(indexStatus({ ...none, logged: false })).toBeUndefined();
    expect(indexStatus({ ...none, computed: true, logged: true })).toBe('dropped');
    expect(indexStatus({ ...none, done: true, logged: true })).toBe('done');
  });

  it('tells a value Redis dropped (computed once, not stored) from one never computed', () => {
    expect(indexStatus({ ...none, computed: true })).toBe('dropped');
    expect(indexStatus({ ...none, computed: true, queued: true })).toBe('recomputing');
    expect(indexStatus({ ...none, computed: true, leased: true })).toBe('recomputing');
    expect(indexStatus({ ...none, computed: true, done: true })).toBe('done');
  });
});
