// GET /api/events (server-sent events over HTTP streams) and GET /api/topology, served by the
// local host against a real Redis master and replica. The local host copies streams the way the
// real host's Node library does (no disconnect notice, no backpressure: httpProxy.ts, issue
// #294), so a client that goes away here is invisible to the function, as on AKS.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { RedisTopology } from '../src/live/live-types.js';
import { addIndexEvent, type EventStreamReader, openEventStream } from './support/event-stream.js';
import { type RedisPair, startRedisPair } from './support/redis-pair.js';
import { eventually, from, startStack, type TestStack } from './support/stack.js';
import { seedValue } from './support/stored-values.js';

const noDatabase = { url: 'postgres://postgres@127.0.0.1:1/unused' };

/**
 * A distinct client address per number. The api runs ASP.NET Core's forwarded-headers middleware
 * (ASPNETCORE_FORWARDEDHEADERS_ENABLED, as on AKS behind the Gateway), so the address a client's
 * X-Forwarded-For names is its identity.
 */
const clientAddress = (n: number) => `203.0.${Math.floor(n / 250)}.${(n % 250) + 1}`;

describe('GET /api/events', () => {
  let redis: RedisPair;
  /** Production limits (MAX_EVENT_STREAMS 100, 4 per client, 60 s, 512 KiB), faster heartbeats. */
  let stack: TestStack;
  /** Streams that end after 1.5 s. */
  let shortLived: TestStack;
  /** Streams that end after 8 KiB. */
  let smallBudget: TestStack;
  const open: EventStreamReader[] = [];
  const connect = async (target: TestStack, headers: Record<string, string> = {}, query = '') => {
    const reader = await openEventStream(`${target.baseUrl}/api/events${query}`, headers);
    open.push(reader);
    return reader;
  };
  /** A viewer who opens the stream, sees it answer, and disappears without a word to the function. */
  const vanish = async (target: TestStack, address: string) => {
    const reader = await openEventStream(`${target.baseUrl}/api/events`, from(address));
    expect(reader.status).toBe(200);
    reader.close();
  };

  beforeAll(async () => {
    redis = await startRedisPair();
    const env = { ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'true' };
    [stack, shortLived, smallBudget] = await Promise.all([
      startStack({ redis, database: noDatabase, env, app: { eventStreams: { heartbeatMs: 300 } } }),
      startStack({ redis, database: noDatabase, env, app: { eventStreams: { heartbeatMs: 300, maxStreamMs: 1500 } } }),
      startStack({ redis, database: noDatabase, env, app: { eventStreams: { maxStreamBytes: 8 * 1024 } } }),
    ]);
  });

  afterEach(() => {
    for (const reader of open.splice(0)) reader.close();
  });

  afterAll(async () => {
    await Promise.all([stack, shortLived, smallBudget].map((s) => s.stop()));
    await redis.stop();
  });

  it('streams retry, stats, topology, heartbeats, and a value event as soon as an index changes', async () => {
    const reader = await connect(stack);
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
    const id = await addIndexEvent(stack.redis, stack.services.keys.events, 10, 'done');
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
    const eventsKey = stack.services.keys.events;
    const first = await addIndexEvent(stack.redis, eventsKey, 21, 'queued');
    const second = await addIndexEvent(stack.redis, eventsKey, 22, 'queued');
    const third = await addIndexEvent(stack.redis, eventsKey, 23, 'failed');
    for (const [query, headers] of [
      ['', { 'last-event-id': first }],
      [`?lastEventId=${first}`, {}],
    ] as const) {
      const reader = await connect(stack, headers, query);
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

  it('shares one Redis reader among all streams', async () => {
    const clients = async () =>
      String(await stack.redis.client('LIST'))
        .trim()
        .split('\n').length;
    await fetch(`${stack.baseUrl}/api/topology`);
    await fetch(`${stack.baseUrl}/api/stats`);
    const before = await clients();
    const readers = [await connect(stack), await connect(stack), await connect(stack)];
    await Promise.all(readers.map((reader) => reader.next((e) => e.event === 'stats')));
    expect(await clients()).toBeLessThanOrEqual(before + 1);
  });

  it('gives a new viewer events within 5 s after 500 viewers connected and vanished without closing', async () => {
    for (let batch = 0; batch < 500; batch += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => vanish(stack, clientAddress(1000 + batch + i))));
    }
    // The function was told nothing; the process still holds no more than MAX_EVENT_STREAMS.
    expect(stack.app.streamSlots.size).toBeLessThanOrEqual(stack.config.maxEventStreams);
    const viewer = await connect(stack, from('198.51.100.7'));
    expect(viewer.status).toBe(200);
    await viewer.next((e) => e.event === 'stats', 5000);
    const id = await addIndexEvent(stack.redis, stack.services.keys.events, 31, 'queued');
    await viewer.next((e) => e.id === id, 5000);
  });

  it('gives a viewer events within 5 s after reloading the page 100 times', async () => {
    const address = '198.51.100.20';
    for (let reload = 0; reload < 100; reload += 1) await vanish(stack, address);
    const viewer = await connect(stack, from(address));
    await viewer.next((e) => e.event === 'stats', 5000);
    const id = await addIndexEvent(stack.redis, stack.services.keys.events, 32, 'queued');
    await viewer.next((e) => e.id === id, 5000);
    expect(stack.app.streamSlots.countOf(address)).toBeLessThanOrEqual(stack.app.eventStreams.maxStreamsPerClient);
  });

  it("ends a greedy client's oldest streams past its share, and never denies another client", async () => {
    const greedy = '198.51.100.30';
    const share = stack.app.eventStreams.maxStreamsPerClient;
    const held: EventStreamReader[] = [];
    for (let i = 0; i < share + 8; i += 1) held.push(await connect(stack, from(greedy)));
    expect(held.every((reader) => reader.status === 200)).toBe(true);
    // The server ends its oldest ones (each told where to resume) until it holds at most its
    // share (fewer when the process is at MAX_EVENT_STREAMS: the busiest client gives way first).
    const stillOpen = () => held.filter((reader) => !reader.hasEnded());
    await eventually(async () => Promise.resolve(stillOpen().length <= share ? true : undefined), 5000, 'its share');
    for (const reader of held.filter((r) => r.hasEnded())) expect(reader.lastEventId()).toMatch(/^\d+-\d+$/);
    expect(held.at(-1)?.hasEnded()).toBe(false);
    await held.at(-1)?.next((e) => e.event === 'stats');
    const other = await connect(stack, from('198.51.100.31'));
    expect(other.status).toBe(200);
    await other.next((e) => e.event === 'stats', 5000);
  });

  it('ends a stream by itself after its lifetime and resumes it with the id it sent, missing nothing', async () => {
    const eventsKey = shortLived.services.keys.events;
    const clients = async () =>
      String(await shortLived.redis.client('LIST'))
        .trim()
        .split('\n').length;
    await fetch(`${shortLived.baseUrl}/api/topology`);
    await fetch(`${shortLived.baseUrl}/api/stats`);
    const before = await clients();
    const first = await connect(shortLived);
    await first.next((e) => e.event === 'stats');
    await first.ended;
    const resumeAt = first.lastEventId();
    expect(resumeAt).toEqual(expect.stringMatching(/^\d+-\d+$/));
    // Changes between the end and the reconnect reach the resumed stream.
    const missed = [
      await addIndexEvent(shortLived.redis, eventsKey, 41, 'queued'),
      await addIndexEvent(shortLived.redis, eventsKey, 42, 'queued'),
    ];
    // With no stream left the shared reader closed.
    await eventually(async () => ((await clients()) <= before ? true : undefined), 5000, 'reader closed');
    const resumed = await connect(shortLived, { 'last-event-id': resumeAt ?? '' });
    await resumed.next((e) => e.id === missed[1]);
    expect(resumed.events.filter((e) => e.event === 'value').map((e) => e.id)).toEqual(missed);
  });

  it('ends a stream once it has sent its byte budget; resuming with Last-Event-ID delivers every event once, in order', async () => {
    const eventsKey = smallBudget.services.keys.events;
    let reader = await connect(smallBudget);
    await reader.next((e) => e.event === 'stats');
    const added: string[] = [];
    for (let index = 100; index < 250; index += 1) added.push(await addIndexEvent(smallBudget.redis, eventsKey, index, 'queued'));
    const received: string[] = [];
    for (let round = 0; round < 30 && received.at(-1) !== added.at(-1); round += 1) {
      await Promise.race([reader.ended, reader.next((e) => e.id === added.at(-1), 10_000)]);
      received.push(...reader.events.filter((e) => e.event === 'value').map((e) => e.id ?? ''));
      if (received.at(-1) === added.at(-1)) break;
      expect(reader.hasEnded()).toBe(true);
      reader = await connect(smallBudget, { 'last-event-id': reader.lastEventId() ?? '' });
    }
    expect(received).toEqual(added);
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
