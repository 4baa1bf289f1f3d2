// axe-core in a real Chromium: no serious or critical violation (color contrast included) in the
// light and dark schemes at desktop and phone widths, with every panel showing data. The API is
// answered in the browser (support/stub-api.ts) so every status and state is on the page.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seriousViolations } from './support/axe';
import { desktopViewport, launchChromium } from './support/browser';
import { type StandaloneWeb, startStandaloneWeb } from './support/standalone-web';
import { startStubEvents, stubApi, type StubEventServer } from './support/stub-api';

const screenshots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'screenshots');

const viewports = {
  desktop: desktopViewport,
  phone: { width: 390, height: 844 },
} as const;

const startedAt = Date.now() - 40_000;
let browser: Browser;
let web: StandaloneWeb;
let events: StubEventServer;

beforeAll(async () => {
  [browser, web, events] = await Promise.all([launchChromium(), startStandaloneWeb(), startStubEvents(startedAt)]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([web?.stop(), events?.close()]);
});

/** The page with every panel filled: results of each status, scaling samples, both Redis nodes. */
async function openFilledPage(page: Page) {
  await stubApi(page, { events, startedAt });
  await page.goto(web.url);
  await page.getByRole('list', { name: 'Calculated values' }).waitFor();
  await page.getByRole('list', { name: 'Redis nodes' }).waitFor();
  await page.getByLabel('Local scaler').waitFor();
  await page.getByRole('group', { name: 'Scaling charts' }).waitFor({ timeout: 15_000 });
  // The big value expanded and the figures table open: their text is checked too.
  await page.getByRole('button', { name: 'Show all 20,899 digits of F(100000)' }).waitFor();
  await page.locator('.chart-table summary').click();
}

describe('accessibility (axe-core in Chromium)', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const [width, viewport] of Object.entries(viewports)) {
      it(`home: no serious or critical axe violation in the ${scheme} scheme at ${width} width`, async () => {
        const page = await browser.newPage({ viewport, colorScheme: scheme });
        try {
          await openFilledPage(page);
          const violations = await seriousViolations(page);
          expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
        } finally {
          await page.close();
        }
      });
    }
  }

  it('home: screenshots of the live panels in both schemes (for the README)', async () => {
    const page = await browser.newPage({ viewport: viewports.desktop });
    try {
      await openFilledPage(page);
      await page.getByText('Updates: pushed by the server (live stream)').waitFor();
      // Half a minute of samples gives the charts a shape.
      await page.getByText(/^Last (2\d|3\d) s:/).waitFor({ timeout: 45_000 });
      mkdirSync(screenshots, { recursive: true });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: join(screenshots, `live-${scheme}.png`), fullPage: true });
      }
    } finally {
      await page.close();
    }
  }, 90_000);
});
