// Node names and the one rule that decides an index's status.
import { describe, expect, it } from 'vitest';

import { indexStatus } from '../src/queue/records.js';
import { parseRedisConnectionString } from '../src/redis/connection-string.js';
import { nodeName } from '../src/redis/read-router.js';

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
