// GET /api/events (server-sent events over HTTP streams) and GET /api/topology, served by the
// local host against a real Redis master and replica.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { RedisTopology } from '../src/live/live-types.js';
import { addIndexEvent, type EventStreamReader, openEventStream } from './support/event-stream.js';
import { type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, startStack, type TestStack } from './support/stack.js';
import { seedValue } from './support/stored-values.js';

describe('GET /api/events', () => {
  let redis: RedisPair;
  let stack: TestStack;
  let eventsKey: string;
  const open: EventStreamReader[] = [];
  const connect = async (query = '', headers: Record<string, string> = {}) => {
    const reader = await openEventStream(`${stack.baseUrl}/api/events${query}`, headers);
    open.push(reader);
    return reader;
  };

  beforeAll(async () => {
    redis = await startRedisPair();
    stack = await startStack({
      redis,
      database: { url: 'postgres://postgres@127.0.0.1:1/unused' },
      env: { MAX_EVENT_STREAMS: '3' },
      app: { eventStreams: { heartbeatMs: 300 } },
    });
    eventsKey = stack.services.keys.events;
  });

  afterEach(async () => {
    for (const reader of open.splice(0)) reader.close();
    await eventually(async () => Promise.resolve(stack.app.events.size === 0 ? true : undefined), 5000, 'streams closed');
  });

  afterAll(async () => {
    await stack.stop();
    await redis.stop();
  });

  it('streams retry, stats, topology, heartbeats, and a value event as soon as an index changes', async () => {
    const reader = await connect();
    expect(reader.status).toBe(200);
    expect(reader.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(reader.headers.get('x-accel-buffering')).toBe('no');
    expect((await reader.next((e) => e.retry !== undefined)).retry).toBe('2000');
    const stats = JSON.parse((await reader.next((e) => e.event === 'stats')).data ?? '{}') as Record<string, unknown>;
    expect(stats).toMatchObject({ queueLength: expect.any(Number), maxIndex: expect.any(Number) });
    const topology = JSON.parse((await reader.next((e) => e.event === 'topology')).data ?? '{}') as RedisTopology;
    expect(topology.nodes.map((n) => n.role)).toEqual(['master', 'replica']);
    expect((await reader.next((e) => e.comment === 'heartbeat')).comment).toBe('heartbeat');

    await seedValue(stack.redis, stack.services.keys, 10);
    const id = await addIndexEvent(stack.redis, eventsKey, 10, 'done');
    const value = await reader.next((e) => e.event === 'value');
    expect(value.id).toBe(id);
    expect(JSON.parse(value.data ?? '{}')).toEqual({
      index: 10,
      status: 'done',
      value: '55',
      digits: 2,
      truncated: false,
      computedMs: 0.1,
    });
  });

  it('resumes after Last-Event-ID (header or query) with the missed value events, in order', async () => {
    const first = await addIndexEvent(stack.redis, eventsKey, 21, 'queued');
    const second = await addIndexEvent(stack.redis, eventsKey, 22, 'queued');
    const third = await addIndexEvent(stack.redis, eventsKey, 23, 'failed');
    for (const [query, headers] of [
      ['', { 'last-event-id': first }],
      [`?lastEventId=${first}`, {}],
    ] as const) {
      const reader = await connect(query, headers);
      await reader.next((e) => e.id === third);
      const ids = reader.events.filter((e) => e.event === 'value').map((e) => e.id);
      expect(ids.slice(0, 2)).toEqual([second, third]);
      expect(ids).not.toContain(first);
      const live = await addIndexEvent(stack.redis, eventsKey, 24, 'queued');
      expect((await reader.next((e) => e.id === live)).event).toBe('value');
    }
    const malformed = await fetch(`${stack.baseUrl}/api/events`, { headers: { 'last-event-id': 'abc' } });
    expect(malformed.status).toBe(400);
  });

  it('shares one Redis reader among all streams and closes it when the last client leaves', async () => {
    const clients = async () =>
      String(await stack.redis.client('LIST'))
        .trim()
        .split('\n').length;
    await fetch(`${stack.baseUrl}/api/topology`);
    await fetch(`${stack.baseUrl}/api/stats`);
    const before = await clients();
    const readers = [await connect(), await connect(), await connect()];
    await Promise.all(readers.map((reader) => reader.next((e) => e.event === 'stats')));
    expect(await clients()).toBeLessThanOrEqual(before + 1);
    for (const reader of readers) reader.close();
    await eventually(async () => ((await clients()) <= before ? true : undefined), 5000, 'reader closed');
  });

  it('answers 503 JSON past MAX_EVENT_STREAMS, and accepts again once a stream closes', async () => {
    const readers = [await connect(), await connect(), await connect()];
    const refused = await fetch(`${stack.baseUrl}/api/events`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: expect.stringContaining('too many') });
    readers[0]?.close();
    await eventually(async () => Promise.resolve(stack.app.events.size < 3 ? true : undefined), 5000, 'a slot');
    expect((await connect()).status).toBe(200);
  });
});

describe('GET /api/topology', () => {
  let redis: RedisPair;
  let stack: TestStack;

  beforeAll(async () => {
    redis = await startRedisPair();
    stack = await startStack({ redis, database: { url: 'postgres://postgres@127.0.0.1:1/unused' } });
  });

  afterAll(async () => {
    await stack.stop();
    await redis.stop();
  });

  it('names the master and the replica with role, link, offset and lag, and reads from the replica', async () => {
    const { status, json } = await stack.get('/api/topology');
    expect(status).toBe(200);
    const topology = json as RedisTopology;
    expect(topology.nodes).toEqual([
      expect.objectContaining({
        name: 'master',
        role: 'master',
        up: true,
        link: null,
        lagBytes: 0,
        servesReads: false,
        downSince: null,
      }),
      expect.objectContaining({ name: 'replica', role: 'replica', up: true, link: 'up', servesReads: true, downSince: null }),
    ]);
    expect(topology.nodes[1]?.offset).toEqual(expect.any(Number));
    expect(topology.readsFrom).toBe('replica');
  });

  it('shows a replica that is down, since when, and reads moving to the master', async () => {
    await redis.replica.stop(true);
    const stoppedAt = Date.now();
    const topology = await eventually(
      async () => {
        const answer = (await stack.get('/api/topology')).json as RedisTopology;
        return answer.nodes[1]?.up === false ? answer : undefined;
      },
      10_000,
      'replica down',
    );
    expect(topology.nodes[1]).toMatchObject({ name: 'replica', up: false, servesReads: false, downSince: expect.any(Number) });
    expect(topology.nodes[1]?.downSince).toBeGreaterThanOrEqual(stoppedAt - 1000);
    expect(topology.readsFrom).toBe('master');
    expect(topology.nodes[0]).toMatchObject({ up: true, servesReads: true });
  });
});
