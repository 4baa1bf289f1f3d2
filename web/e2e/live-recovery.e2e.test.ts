// Two ways the page used to stay wrong after the live stream recovered, in a real Chromium with
// the API answered by the test (support/stub-api.ts and a local event server):
// - the "API is not answering" banner stayed after the API came back (the polls that had failed
//   were paused by the healthy stream, so their last error was never cleared);
// - after a burst, "Calculated values" never showed the new results (the page keeps the newest
//   500 updates, so an index's "queued" update was pushed out before its "done" arrived).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';

import type { RecentValue } from '../features/api/api-types';
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

const row = (index: number, status: RecentValue['status']): RecentValue => ({
  index,
  status,
  value: status === 'done' ? String(index * 2) : null,
  digits: status === 'done' ? String(index * 2).length : null,
  truncated: false,
  computedMs: status === 'done' ? 0.01 : null,
});

describe('live view recovering (real browser, stubbed API)', () => {
  it('live: the "not answering" banner goes away by itself once the API and its stream are back', async () => {
    const page = await browser.newPage({ viewport: desktopViewport });
    let down = false;
    try {
      await stubApi(page, { events, down: () => down });
      await page.goto(web.url);
      await page.getByText('Updates: pushed by the server (live stream)').waitFor({ timeout: 15_000 });
      down = true;
      await events.dropStreams();
      const banner = page.getByRole('alert').filter({ hasText: 'The Fibonacci API is not answering' });
      await banner.waitFor({ timeout: 20_000 });
      down = false;
      await page.getByText('Updates: pushed by the server (live stream)').waitFor({ timeout: 20_000 });
      // Nobody presses "Retry now": the page must notice by itself (health is polled every 5 s).
      await banner.waitFor({ state: 'detached', timeout: 15_000 });
    } finally {
      await page.close();
    }
  });

  it('live: after a burst of 600 submissions, "Calculated values" shows the newest results without a reload', async () => {
    const page = await browser.newPage({ viewport: desktopViewport });
    // What the API would list: the newest first, each index as its events left it.
    const statuses = new Map<number, RecentValue['status']>();
    const recent = () =>
      [...statuses.entries()]
        .sort(([a], [b]) => b - a)
        .slice(0, 20)
        .map(([index, status]) => row(index, status));
    try {
      await stubApi(page, { events, recent });
      await page.goto(web.url);
      await page.getByText('Updates: pushed by the server (live stream)').waitFor({ timeout: 15_000 });
      const burst = Array.from({ length: 600 }, (_, i) => 5001 + i);
      for (const index of burst) {
        statuses.set(index, 'queued');
        events.pushValue(row(index, 'queued'));
      }
      for (const index of burst) {
        statuses.set(index, 'done');
        events.pushValue(row(index, 'done'));
      }
      const newest = page
        .getByRole('list', { name: 'Calculated values' })
        .getByRole('listitem')
        .filter({ has: page.locator('.result-index', { hasText: /^F\(5600\)$/ }) });
      await newest.getByText('11200', { exact: true }).waitFor({ timeout: 15_000 });
      await newest.getByText('Done').waitFor();
    } finally {
      await page.close();
    }
  });
});
