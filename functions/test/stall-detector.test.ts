import { describe, expect, it } from 'vitest';

import { extensionClientOptions } from '../../local/host/strict-list-listener.js';
import { StallDetector, workerStallBoundMs } from '../src/live/stall-detector.js';

describe('worker stall detector', () => {
  const bound = workerStallBoundMs({ leaseMs: 30_000, workerPollingIntervalMs: 50 });
  const idle = { count: 0, lastAt: null, startedAt: 0 };

  it('derives the bound from the lease, the polling interval and the extension client timeout', () => {
    expect(bound).toBe(35_050);
  });

  it('fails only when the same head waited past the bound and the worker was idle as long', () => {
    const detector = new StallDetector(bound);
    expect(detector.observe({ reachable: true, head: '7' }, idle, 1000).live).toBe(true);
    expect(detector.observe({ reachable: true, head: '7' }, idle, 1000 + bound).live).toBe(true);
    const verdict = detector.observe({ reachable: true, head: '7' }, idle, 2000 + bound);
    expect(verdict).toMatchObject({ live: false, error: expect.stringContaining('stopped polling') });
  });

  it('stays live while the head moves, while the worker is invoked, and while Redis is down', () => {
    const moving = new StallDetector(1000);
    expect(moving.observe({ reachable: true, head: '1' }, idle, 0).live).toBe(true);
    expect(moving.observe({ reachable: true, head: '2' }, idle, 5000).live).toBe(true);
    const invoked = new StallDetector(1000);
    invoked.observe({ reachable: true, head: '1' }, idle, 0);
    expect(invoked.observe({ reachable: true, head: '1' }, { count: 1, lastAt: 4500, startedAt: 0 }, 5000).live).toBe(true);
    const outage = new StallDetector(1000);
    outage.observe({ reachable: true, head: '1' }, idle, 0);
    expect(outage.observe({ reachable: false }, idle, 5000)).toMatchObject({ live: true, redisReachable: false });
    // The clock starts again after an outage.
    expect(outage.observe({ reachable: true, head: '1' }, idle, 5500).live).toBe(true);
  });
});

describe('strict trigger client options', () => {
  it('reads the StackExchange.Redis defaults and overrides', () => {
    expect(extensionClientOptions('redis:6379,password=x')).toEqual({
      abortConnect: true,
      asyncTimeoutMs: 5000,
      connectTimeoutMs: 5000,
    });
    expect(extensionClientOptions('redis:6379,abortConnect=False,syncTimeout=2000')).toMatchObject({
      abortConnect: false,
      asyncTimeoutMs: 2000,
    });
  });
});
