// The live view in a real Chromium against the real stack: the event stream is used, a value
// arrives without a poll, the Redis panel follows the replica down and back, the scaling chart
// moves under a small load, and axe finds nothing serious on the page with live data.
import { type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import { seriousViolations } from './support/axe';
import { desktopViewport, launchChromium } from './support/browser';
import { stackControl } from './support/stack-control';

const webUrl = inject('webUrl');
const apiUrl = inject('apiUrl');

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: desktopViewport });
  return () => page.close();
});

/** Resolves once `check` passes, polling every 100 ms up to `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s`);
}

/** Waits until a worker has computed something: workers start after the runtime's READY. */
async function waitForWorkingWorker() {
  await fetch(`${apiUrl}/api/values`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index":2}' });
  await until(
    async () => ((await (await fetch(`${apiUrl}/api/values/2`)).json()) as { status?: string }).status === 'done',
    60_000,
    'no worker computed F(2)',
  );
}

async function openLivePage() {
  await page.goto(webUrl);
  await page.getByText('Updates: pushed by the server (live stream)').waitFor({ timeout: 15_000 });
}

function redisNode(name: RegExp | string) {
  return page
    .getByRole('list', { name: 'Redis nodes' })
    .getByRole('listitem')
    .filter({ has: page.locator('.node-role', { hasText: name }) });
}

describe('live view (real browser, real stack)', () => {
  beforeAll(() => waitForWorkingWorker());

  it('live: the page gets its updates from /api/events, a text/event-stream response', async () => {
    const streamed = page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/api/events' && response.status() === 200,
    );
    await page.goto(webUrl);
    const response = await streamed;
    expect(response.headers()['content-type']).toMatch(/^text\/event-stream/);
    await page.getByText('Updates: pushed by the server (live stream)').waitFor({ timeout: 15_000 });
  });

  it('live: a submitted value shows up from the stream, with no poll of results or stats', async () => {
    await openLivePage();
    const index = 500 + Math.floor(Math.random() * 400_000);
    const reads: string[] = [];
    const onRequest = (request: Request) => {
      const path = new URL(request.url()).pathname;
      if (request.method() === 'GET' && (/^\/api\/values\/(recent|current|\d+)$/.test(path) || path === '/api/stats')) {
        reads.push(path);
      }
    };
    const box = page.getByRole('textbox', { name: 'Enter your index' });
    await box.fill(String(index));
    page.on('request', onRequest);
    const submittedAt = Date.now();
    await box.press('Enter');
    const item = page
      .getByRole('list', { name: 'Calculated values' })
      .getByRole('listitem')
      .filter({ has: page.locator('.result-index', { hasText: new RegExp(`^F\\(${index}\\)$`) }) });
    await item.getByText('Done').waitFor({ timeout: 10_000 });
    const shownMs = Date.now() - submittedAt;
    page.off('request', onRequest);
    expect(reads).toEqual([]);
    // The figure the issue asks for, printed for the closing note (not asserted: machine-dependent).
    console.log(`[live e2e] F(${index}) shown ${shownMs} ms after Enter (submit + queue + worker + stream)`);
  });

  it('live: the StatefulSet panel shows the master and the replica, and the replica going down and back', async () => {
    const stack = stackControl();
    await openLivePage();
    const master = redisNode('master');
    const replica = redisNode('replica');
    await master.locator('.node-state', { hasText: 'Up' }).waitFor();
    await replica.locator('.node-state', { hasText: 'Up' }).waitFor();
    await stack.stopReplica();
    try {
      await replica.locator('.node-state', { hasText: 'Down' }).waitFor({ timeout: 30_000 });
      // Reads move to the master while the replica is down.
      await page.getByText(/reads go to .*master/i).waitFor({ timeout: 30_000 });
    } finally {
      await stack.startReplica();
    }
    await replica.locator('.node-state', { hasText: /Up|Resyncing/ }).waitFor({ timeout: 30_000 });
    await replica.locator('.node-state', { hasText: 'Up' }).waitFor({ timeout: 60_000 });
  });

  it('live: the scaling chart moves during a small load', async () => {
    await openLivePage();
    const panel = page.getByRole('region', { name: 'Scaling' });
    await panel.getByRole('group', { name: 'Scaling charts' }).waitFor({ timeout: 15_000 });
    const queueLine = panel.locator('.chart').first().locator('.chart-plot polyline.chart-line-solid').last();
    const before = await queueLine.getAttribute('points');
    // A small load: 400 fresh indices, 20 requests at a time.
    const base = 600_000 + Math.floor(Math.random() * 300_000);
    const indices = Array.from({ length: 400 }, (_, i) => base + i);
    for (let i = 0; i < indices.length; i += 20) {
      await Promise.all(
        indices.slice(i, i + 20).map((index) =>
          fetch(`${apiUrl}/api/values`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ index }),
          }),
        ),
      );
    }
    // Rates are often fractional ("14.5"); the peak must be above zero.
    await page
      .getByText(/completions per second [–\d.,]+ now \(peak (?:[1-9][\d,]*(?:\.\d)?|0\.[1-9])\)/)
      .waitFor({ timeout: 90_000 });
    expect(await queueLine.getAttribute('points')).not.toBe(before);
    const summary = (await panel.locator('.chart-summary').textContent()) ?? '';
    expect(summary).toMatch(/queue length .* \(peak [1-9][\d,]*\)|pending .* \(peak [1-9][\d,]*\)/);
  }, 180_000);

  it('live: axe finds no serious or critical violation on the page with live data, light and dark', async () => {
    await openLivePage();
    await page.getByRole('list', { name: 'Redis nodes' }).waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await seriousViolations(page);
      expect(violations, `${scheme}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    }
  });
});
