// The home page in a real Chromium against the real stack: submit, refuse, big values, API down.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import { formMessages } from '../features/submit/form-messages';
import { desktopViewport, launchChromium } from './support/browser';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const screenshots = join(webRoot, '..', 'screenshots');
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

function indexBox(target: Page = page) {
  return target.getByRole('textbox', { name: 'Enter your index' });
}

function resultFor(index: number) {
  return page
    .getByRole('list', { name: 'Calculated values' })
    .getByRole('listitem')
    .filter({ has: page.locator('.result-index', { hasText: new RegExp(`^F\\(${index}\\)$`) }) });
}

async function latestSubmissionId(): Promise<number | null> {
  const response = await fetch(`${webUrl}/api/values/all?limit=1`);
  expect(response.status).toBe(200);
  const rows = (await response.json()) as { id: number }[];
  return rows[0]?.id ?? null;
}

/**
 * Submits index 1 through the API and waits until it is done: the worker process starts after
 * the local runtime prints READY, and the "144 within a second" check is about the app, not that.
 */
async function waitForWorkingWorker(timeoutMs = 60_000) {
  await fetch(`${apiUrl}/api/values`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"index":1}' });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const detail = (await (await fetch(`${apiUrl}/api/values/1`)).json()) as { status?: string };
    if (detail.status === 'done') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no worker computed F(1) within ${timeoutMs / 1000} s`);
}

describe('home (real browser, real stack)', () => {
  beforeAll(() => waitForWorkingWorker());

  it('home: shows the limit from the API, and submitting 12 shows 144 within a second', async () => {
    const stats = (await (await fetch(`${apiUrl}/api/stats`)).json()) as { maxIndex: number };
    await page.goto(webUrl);
    await page.getByText(`A whole number from 0 to ${stats.maxIndex.toLocaleString('en-US')}.`).waitFor();
    await indexBox().fill('12');
    // Request timings, printed when the check fails: API latency vs. polling vs. the worker.
    const timeline: string[] = [];
    let submittedAt = Date.now();
    page.on('request', (r) =>
      timeline.push(`+${Date.now() - submittedAt} ms start ${r.method()} ${r.url().replace(webUrl, '')}`),
    );
    page.on('requestfinished', (r) =>
      timeline.push(`+${Date.now() - submittedAt} ms end ${r.method()} ${r.url().replace(webUrl, '')}`),
    );
    submittedAt = Date.now();
    await indexBox().press('Enter');
    await resultFor(12).getByText('144', { exact: true }).waitFor({ timeout: 5_000 });
    const elapsedMs = Date.now() - submittedAt;
    expect(elapsedMs, `144 shown ${elapsedMs} ms after Enter:\n${timeline.join('\n')}`).toBeLessThan(1_000);
    await resultFor(12).getByText('Done').waitFor();
  });

  it('home: "abc" is refused with a clear message and sends nothing (the next valid submit is the only POST)', async () => {
    await page.goto(webUrl);
    await indexBox().waitFor();
    const before = await latestSubmissionId();
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.postData() ?? '');
    });
    await indexBox().fill('abc');
    await indexBox().press('Enter');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByText(formMessages.malformed).waitFor();
    expect(await indexBox().getAttribute('aria-invalid')).toBe('true');
    // Instead of waiting a while for a POST that should never come: submit a valid index and
    // wait for its POST; requests go out in order, so a POST of "abc" would be there first.
    await indexBox().fill('13');
    const validAnswer = page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url().endsWith('/api/values'),
    );
    await indexBox().press('Enter');
    expect((await validAnswer).status()).toBe(202);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/"index":\s*"?13"?/);
    // The log's newest row is 13, and the one before it is what was newest before "abc".
    const newest = (await (await fetch(`${webUrl}/api/values/all?limit=2`)).json()) as { id: number; number: number }[];
    expect(newest[0]?.number).toBe(13);
    expect(newest[1]?.id ?? null).toBe(before);
  });

  it('home: a big index (100000) arrives shortened with its digit count and expands to all its digits', async () => {
    await page.goto(webUrl);
    await indexBox().fill('100000');
    await indexBox().press('Enter');
    const item = resultFor(100000);
    await item.getByText('20,899 digits', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await item.locator('.value').textContent()).toBe('25974069347221724166…49895374653428746875');
    await item.getByRole('button', { name: 'Show all 20,899 digits of F(100000)' }).click();
    const full = item.getByRole('region', { name: 'F(100000) in full' });
    await full.waitFor();
    const digits = (await full.textContent()) ?? '';
    expect(digits).toHaveLength(20_899);
    expect(digits.startsWith('25974069347221724166')).toBe(true);
    expect(digits.endsWith('49895374653428746875')).toBe(true);
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'home-expanded.png') });
    await item.getByRole('button', { name: 'Collapse of F(100000)' }).click();

    // The main page as a person sees it, for review (screenshots/ is git-ignored).
    await indexBox().fill('7');
    await indexBox().press('Enter');
    await resultFor(7).getByText('13', { exact: true }).waitFor({ timeout: 5_000 });
    await page.screenshot({ path: join(screenshots, 'home.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(screenshots, 'home-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(screenshots, 'home-mobile.png'), fullPage: true });
  });
});

/** A local port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('home when the API is down (real browser, web server with no API behind it)', () => {
  let server: ChildProcess | undefined;
  let downUrl = '';

  beforeAll(async () => {
    const [webPort, apiPort] = [await closedPort(), await closedPort()];
    // The same build the stack serves, pointed at a port where no API listens.
    server = spawn(process.execPath, [join(webRoot, 'scripts', 'serve-standalone.mjs')], {
      env: { ...process.env, PORT: String(webPort), HOSTNAME: '127.0.0.1', API_URL: `http://127.0.0.1:${apiPort}` },
      stdio: 'ignore',
    });
    downUrl = `http://127.0.0.1:${webPort}`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const up = await fetch(downUrl).then(
        (response) => response.ok,
        () => false,
      );
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the standalone web server did not start');
  });

  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('home: shows a banner with Retry (and keeps the form) when the API cannot be reached', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(downUrl);
    const banner = page.getByRole('alert').filter({ hasText: 'The Fibonacci API is not answering' });
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toContain('API unreachable');
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'home-api-down.png') });
    await banner.getByRole('button', { name: 'Retry now' }).click();
    await banner.waitFor();
    await indexBox().fill('12');
    await indexBox().press('Enter');
    await page.getByText('Could not submit: API unreachable').waitFor();
    expect(errors).toEqual([]);
  });
});
