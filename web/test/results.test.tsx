// The results list: statuses, big values shortened with expand/copy/download, live updates, paging.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';

import type { RecentValue } from '../features/api/api-types';
import { Dashboard } from '../features/dashboard/dashboard';
import { sampleRecent } from '../mocks/handlers';
import { server } from '../mocks/node';

const bigValue = `25974069347221724166${'1'.repeat(20899 - 40)}49895374653428746875`;

/** jsdom's Blob has no text(); FileReader reads it. */
function readBlob(blob: Blob | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!blob) return reject(new Error('no blob'));
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsText(blob);
  });
}

async function resultItems() {
  const list = await screen.findByRole('list', { name: 'Calculated values' });
  return within(list).getAllByRole('listitem');
}

async function resultFor(index: number) {
  const items = await resultItems();
  const item = items.find((element) => within(element).queryByText(`F(${index})`, { selector: '.result-index' }) !== null);
  if (!item) throw new Error(`no result for F(${index})`);
  return item;
}

describe('home: results', () => {
  it('home: shows each index with its status, newest first', async () => {
    render(<Dashboard />);
    const items = await resultItems();
    expect(items.map((item) => within(item).getByText(/^F\(\d+\)$/, { selector: '.result-index' }).textContent)).toEqual([
      'F(100000)',
      'F(12)',
      'F(40)',
      'F(9)',
      'F(77)',
    ]);
    expect(within(await resultFor(12)).getByText('Done')).toBeInTheDocument();
    expect(within(await resultFor(12)).getByText('144')).toBeInTheDocument();
    expect(within(await resultFor(40)).getByText('Computing')).toBeInTheDocument();
    expect(within(await resultFor(9)).getByText('Queued')).toBeInTheDocument();
    expect(within(await resultFor(77)).getByText('Failed')).toBeInTheDocument();
  });

  it('home: shows a huge value shortened with its digit count, never the digit suffix twice', async () => {
    render(<Dashboard />);
    const item = await resultFor(100000);
    expect(within(item).getByText('25974069347221724166…49895374653428746875')).toBeInTheDocument();
    expect(within(item).getByText('20,899 digits')).toBeInTheDocument();
    expect(item).not.toHaveTextContent('(20899 digits)');
  });

  it('home: expands a huge value to its full digits from /api/values/{index} and collapses it', async () => {
    server.use(
      http.get('/api/values/100000', () =>
        HttpResponse.json({ index: 100000, status: 'done', value: bigValue, digits: 20899, computedMs: 2.4 }),
      ),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    const item = await resultFor(100000);
    const toggle = within(item).getByRole('button', { name: 'Show all 20,899 digits of F(100000)' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    const full = await within(item).findByRole('region', { name: 'F(100000) in full' });
    expect(full.textContent).toBe(bigValue);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await user.click(within(item).getByRole('button', { name: 'Collapse of F(100000)' }));
    expect(within(item).queryByRole('region')).not.toBeInTheDocument();
  });

  it('home: copies the full value of a huge result to the clipboard', async () => {
    server.use(
      http.get('/api/values/100000', () =>
        HttpResponse.json({ index: 100000, status: 'done', value: bigValue, digits: 20899, computedMs: 2.4 }),
      ),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    const item = await resultFor(100000);
    await user.click(within(item).getByRole('button', { name: 'Copy F(100000)' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(bigValue));
    expect(await within(item).findByText('Copied F(100000) (20,899 digits)')).toBeInTheDocument();
  });

  it('home: downloads the full value of a huge result as a text file', async () => {
    server.use(
      http.get('/api/values/100000', () =>
        HttpResponse.json({ index: 100000, status: 'done', value: bigValue, digits: 20899, computedMs: 2.4 }),
      ),
    );
    const blobs: Blob[] = [];
    // jsdom has no object URLs; the test provides them.
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:fib';
    });
    URL.revokeObjectURL = vi.fn();
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const user = userEvent.setup();
    render(<Dashboard />);
    const item = await resultFor(100000);
    await user.click(within(item).getByRole('button', { name: 'Download F(100000)' }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0]?.download).toBe('fibonacci-100000.txt');
    expect(await readBlob(blobs[0])).toBe(bigValue);
  });

  it('home: tells why a huge value cannot be expanded when the API refuses', async () => {
    server.use(
      http.get('/api/values/100000', () => HttpResponse.json({ error: 'index 100000 has not been submitted' }, { status: 404 })),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    const item = await resultFor(100000);
    await user.click(within(item).getByRole('button', { name: /Show all/ }));
    expect(await within(item).findByText('Could not load F(100000): index 100000 has not been submitted')).toBeInTheDocument();
    expect(within(item).queryByRole('region')).not.toBeInTheDocument();
  });

  it('home: updates a status from queued to done without a reload', async () => {
    let status: RecentValue = { index: 21, status: 'queued', value: null, digits: null, truncated: false, computedMs: null };
    server.use(http.get('/api/values/recent', () => HttpResponse.json({ items: [status], next: null })));
    render(<Dashboard liveIntervalMs={50} />);
    expect(within(await resultFor(21)).getByText('Queued')).toBeInTheDocument();
    status = { ...status, status: 'done', value: '10946', digits: 5, computedMs: 0.02 };
    await waitFor(async () => expect(within(await resultFor(21)).getByText('10946')).toBeInTheDocument());
    expect(within(await resultFor(21)).getByText('Done')).toBeInTheDocument();
  });

  it('home: a just-submitted index shows as queued at once and is announced when done', async () => {
    let items: RecentValue[] = [];
    server.use(http.get('/api/values/recent', () => HttpResponse.json({ items, next: null })));
    const user = userEvent.setup();
    render(<Dashboard liveIntervalMs={50} />);
    expect(await screen.findByText('Nothing yet! Submit an index above.')).toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: 'Enter your index' }), '12{Enter}');
    expect(within(await resultFor(12)).getByText('Queued')).toBeInTheDocument();
    items = [{ index: 12, status: 'done', value: '144', digits: 3, truncated: false, computedMs: 0.01 }];
    await waitFor(() => expect(screen.getByText('F(12) = 144')).toBeInTheDocument());
    expect(screen.getByText('F(12) = 144').closest('[aria-live]')).toHaveAttribute('aria-live', 'polite');
  });

  it('home: after a submit, results refresh faster than once a second until the value is there', async () => {
    let reads = 0;
    let doneAfter = Infinity;
    server.use(
      http.get('/api/values/recent', () => {
        reads += 1;
        const done = reads >= doneAfter;
        return HttpResponse.json({
          items: [
            done
              ? { index: 12, status: 'done', value: '144', digits: 3, truncated: false, computedMs: 0.01 }
              : { index: 12, status: 'queued', value: null, digits: null, truncated: false, computedMs: null },
          ],
          next: null,
        });
      }),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    await resultFor(12);
    // The first read after the submit still says queued; the worker finishes just after it.
    doneAfter = reads + 2;
    await user.type(screen.getByRole('textbox', { name: 'Enter your index' }), '12{Enter}');
    const submittedAt = Date.now();
    await waitFor(async () => expect(within(await resultFor(12)).getByText('144')).toBeInTheDocument(), { timeout: 900 });
    expect(Date.now() - submittedAt).toBeLessThan(900);
  });

  it('home: stops polling while the tab is hidden and resumes when it is visible', async () => {
    let calls = 0;
    server.use(
      http.get('/api/values/recent', () => {
        calls += 1;
        return HttpResponse.json({ items: sampleRecent, next: null });
      }),
    );
    let hidden = false;
    vi.spyOn(document, 'hidden', 'get').mockImplementation(() => hidden);
    render(<Dashboard liveIntervalMs={20} />);
    await waitFor(() => expect(calls).toBeGreaterThan(2));
    hidden = true;
    document.dispatchEvent(new Event('visibilitychange'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const whileHidden = calls;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(whileHidden);
    hidden = false;
    document.dispatchEvent(new Event('visibilitychange'));
    await waitFor(() => expect(calls).toBeGreaterThan(whileHidden));
  });

  it("home: pages to older results with the API's cursor and back", async () => {
    const befores: (string | null)[] = [];
    server.use(
      http.get('/api/values/recent', ({ request }) => {
        const before = new URL(request.url).searchParams.get('before');
        befores.push(before);
        return before === '17'
          ? HttpResponse.json({
              items: [{ index: 3, status: 'done', value: '2', digits: 1, truncated: false, computedMs: 0 }],
              next: null,
            })
          : HttpResponse.json({ items: sampleRecent, next: '17' });
      }),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    await resultFor(12);
    const pager = screen.getByRole('navigation', { name: 'Calculated values pages' });
    await user.click(within(pager).getByRole('button', { name: 'Older →' }));
    expect(await resultFor(3)).toBeInTheDocument();
    expect(befores).toContain('17');
    expect(within(pager).getByRole('button', { name: 'Older →' })).toBeDisabled();
    await user.click(within(pager).getByRole('button', { name: '← Newer' }));
    expect(await resultFor(12)).toBeInTheDocument();
  });

  it('home: offers "Try again" on a failed index and re-submits it', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/values', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ working: true, index: 77, status: 'queued' }, { status: 202 });
      }),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.click(within(await resultFor(77)).getByRole('button', { name: 'Try again F(77)' }));
    await waitFor(() => expect(bodies).toEqual([{ index: 77 }]));
  });

  it('home: shows why a failed index failed (last error, each attempt) when asked', async () => {
    server.use(
      http.get('/api/values/77', () =>
        HttpResponse.json({
          index: 77,
          status: 'failed',
          value: null,
          digits: null,
          computedMs: null,
          attempts: 2,
          lastError: 'RangeError: Maximum BigInt size exceeded',
          history: [
            { at: Date.UTC(2026, 0, 1, 12), outcome: 'invocation-failed', error: 'RangeError: Maximum BigInt size exceeded' },
            { at: Date.UTC(2026, 0, 1, 12, 1), outcome: 'failed', error: 'lease expired: the worker stopped or stalled' },
          ],
        }),
      ),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    const row = await resultFor(77);
    await user.click(within(row).getByRole('button', { name: 'Why? F(77) failed' }));
    const reason = await screen.findByRole('region', { name: 'Why F(77) failed' });
    // Not inside a paragraph: a <p> cannot hold a <div> or an <ol> (the browser would split it).
    expect(row.querySelector('p div, p ol, p p')).toBeNull();
    expect(reason).toHaveTextContent('Last error: RangeError: Maximum BigInt size exceeded');
    const attempts = within(reason).getAllByRole('listitem');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toHaveTextContent('failed, queued again (RangeError: Maximum BigInt size exceeded)');
    expect(attempts[1]).toHaveTextContent('failed, given up (lease expired: the worker stopped or stalled)');
  });
});
