// The live stream in a real Chromium with the API answered by the test (support/stub-api.ts and
// a local event server): EventSource is used, a submitted value arrives on the stream with no
// poll of results or stats, and the page reconnects with Last-Event-ID. Runs without the server
// side of the stream; live.e2e.test.ts checks the same against the real stack.
import { type Browser, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { desktopViewport, launchChromium } from './support/browser';
import { type StandaloneWeb, startStandaloneWeb } from './support/standalone-web';
import { startStubEvents, stubApi, type StubEventServer } from './support/stub-api';

let browser: Browser;
let web: StandaloneWeb;
let events: StubEventServer;

beforeAll(async () => {
  [browser, web, events] = await Promise.all([launchChromium(), startStandaloneWeb(), startStubEvents(Date.now())]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([web?.stop(), events?.close()]);
});

describe('live stream (real browser, stubbed API)', () => {
  it('live: a submitted value arrives on the event stream, with no poll of results or stats', async () => {
    const page = await browser.newPage({ viewport: desktopViewport });
    try {
      await stubApi(page, {
        events,
        // The "worker": queued at once, done 200 ms later, both only on the stream.
        onSubmit: (index) => {
          events.pushValue({ index, status: 'queued', value: null, digits: null, truncated: false, computedMs: null });
          setTimeout(
            () => events.pushValue({ index, status: 'done', value: '10946', digits: 5, truncated: false, computedMs: 0.01 }),
            200,
          );
        },
      });
      await page.goto(web.url);
      await page.getByText('Updates: pushed by the server (live stream)').waitFor({ timeout: 15_000 });
      const reads: string[] = [];
      page.on('request', (request: Request) => {
        const path = new URL(request.url()).pathname;
        if (request.method() === 'GET' && (/^\/api\/values\/(recent|current|\d+)$/.test(path) || path === '/api/stats')) {
          reads.push(path);
        }
      });
      const box = page.getByRole('textbox', { name: 'Enter your index' });
      await box.fill('21');
      await box.press('Enter');
      const item = page
        .getByRole('list', { name: 'Calculated values' })
        .getByRole('listitem')
        .filter({ has: page.locator('.result-index', { hasText: /^F\(21\)$/ }) });
      await item.getByText('10946', { exact: true }).waitFor({ timeout: 10_000 });
      await item.getByText('Done').waitFor();
      expect(reads).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('live: after the stream drops, the browser reconnects and sends Last-Event-ID', async () => {
    const page = await browser.newPage({ viewport: desktopViewport });
    try {
      await stubApi(page, { events });
      const before = events.lastEventIds.length;
      await page.goto(web.url);
      await page.getByText('Updates: pushed by the server (live stream)').waitFor({ timeout: 15_000 });
      events.pushValue({ index: 31, status: 'queued', value: null, digits: null, truncated: false, computedMs: null });
      await page.locator('.result-index', { hasText: /^F\(31\)$/ }).waitFor();
      await events.dropStreams();
      await expect.poll(() => events.lastEventIds.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 2);
      expect(events.lastEventIds.slice(before)).toEqual([null, expect.stringMatching(/^\d+-\d+$/)]);
    } finally {
      await page.close();
    }
  });
});
