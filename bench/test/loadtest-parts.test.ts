// The load test's pure parts: index generation, options, summary and chart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { renderSvg, summarize, toCsv } from '../loadtest/chart.js';
import { generateIndices, parseIndexSpec, seededRandom } from '../loadtest/indices.js';
import { parseLoadTestOptions } from '../loadtest/options.js';
import type { Sample } from '../loadtest/sampler.js';

function sample(t: number, queueLength: number, pending: number, workersScaler: number | null): Sample {
  return {
    t,
    time: '',
    submitted: 0,
    accepted: 0,
    errors: 0,
    queueLength,
    pending,
    done: 0,
    failed: 0,
    workersHeartbeat: null,
    workersScaler,
    desired: null,
    kubeReplicas: null,
    kubeReady: null,
    kubeHpaDesired: null,
  };
}

describe('indices', () => {
  it('draws distinct indices from a range until it is used up', () => {
    const indices = generateIndices(parseIndexSpec('10-1009'), 1000, seededRandom(1));
    expect(new Set(indices).size).toBe(1000);
    expect(Math.min(...indices)).toBe(10);
    expect(Math.max(...indices)).toBe(1009);
  });

  it('supports sequential, random-with-repeats and list forms, and rejects nonsense', () => {
    expect(generateIndices(parseIndexSpec('5-7:seq'), 5)).toEqual([5, 6, 7, 5, 6]);
    expect(generateIndices(parseIndexSpec('10,20'), 3)).toEqual([10, 20, 10]);
    expect(generateIndices(parseIndexSpec('1-3:random'), 50, seededRandom(2)).every((i) => i >= 1 && i <= 3)).toBe(true);
    expect(() => parseIndexSpec('9-1')).toThrow(/empty/);
    expect(() => parseIndexSpec('abc')).toThrow(/--indices/);
  });
});

describe('options', () => {
  it('defaults to 20,000 tasks against http://127.0.0.1:7071 when no npm start is running', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fib-opts-'));
    try {
      const options = parseLoadTestOptions([], dir, { LOCAL_DATA_DIR: dir });
      expect(options).toMatchObject({ url: 'http://127.0.0.1:7071', tasks: 20_000, rate: 1000, waitForZero: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the API that a running npm start wrote to runtime.json, and ignores a stale one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fib-opts-'));
    try {
      writeFileSync(
        join(dir, 'runtime.json'),
        JSON.stringify({ apiUrl: 'http://127.0.0.1:45678', pid: process.pid, autoscalerStateFile: '/x.json' }),
      );
      expect(parseLoadTestOptions([], dir, { LOCAL_DATA_DIR: dir })).toMatchObject({
        url: 'http://127.0.0.1:45678',
        autoscalerStateFile: '/x.json',
      });
      writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ apiUrl: 'http://127.0.0.1:45678', pid: 2 ** 22 + 12345 }));
      expect(parseLoadTestOptions([], dir, { LOCAL_DATA_DIR: dir }).url).toBe('http://127.0.0.1:7071');
      expect(parseLoadTestOptions(['--url', 'http://10.0.0.5:80/api/'], dir, { LOCAL_DATA_DIR: dir }).url).toBe(
        'http://10.0.0.5:80',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives tasks from --rate x --duration and the rate from --tasks / --duration', () => {
    expect(parseLoadTestOptions(['--rate', '50', '--duration', '4', '--url', 'http://127.0.0.1:1'], '/').tasks).toBe(200);
    expect(parseLoadTestOptions(['--tasks', '300', '--duration', '10', '--url', 'http://127.0.0.1:1'], '/').rate).toBe(30);
    expect(() => parseLoadTestOptions(['--rate', '-1', '--url', 'http://127.0.0.1:1'], '/')).toThrow(/--rate/);
  });
});

describe('summary and chart', () => {
  const samples = [
    sample(0, 0, 0, 0),
    sample(1, 500, 500, 0),
    sample(2, 3000, 3000, 1),
    sample(3, 800, 1500, 5),
    sample(4, 0, 0, 5),
    sample(5, 0, 0, 2),
    sample(6, 0, 0, 0),
  ];

  it('reports peak workers, drain time and the time workers were back at 0', () => {
    expect(summarize(samples, { tasks: 3000, accepted: 3000, alreadyDone: 0, errors: 0, submitSeconds: 2 })).toMatchObject({
      peakQueue: 3000,
      peakWorkers: 5,
      firstWorkerAt: 2,
      drainedAt: 4,
      zeroAt: 6,
      workerSource: 'scaler',
    });
  });

  it('draws the workers as a step line on their own axis and writes one CSV row per sample', () => {
    const svg = renderSvg(samples, { submitSeconds: 2 });
    expect(svg.match(/<path /g)).toHaveLength(4);
    expect(svg).toContain('workers');
    expect(svg).toMatch(/d="M[^"]*H[^"]*V/); // step segments
    expect(toCsv(samples).trim().split('\n')).toHaveLength(samples.length + 1);
  });
});
