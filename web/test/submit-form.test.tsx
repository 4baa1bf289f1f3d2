// The submit form: shared validation, the API's limit and refusals, keyboard submit.
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { Dashboard } from '../features/dashboard/dashboard';
import { formMessages } from '../features/submit/form-messages';
import { sampleStats } from '../mocks/handlers';
import { server } from '../mocks/node';

/** Records every POST /api/values body. */
function recordSubmissions() {
  const bodies: unknown[] = [];
  server.use(
    http.post('/api/values', async ({ request }) => {
      const body = (await request.json()) as { index: number };
      bodies.push(body);
      return HttpResponse.json({ working: true, index: body.index, status: 'queued' }, { status: 202 });
    }),
  );
  return bodies;
}

function indexBox() {
  return screen.getByRole('textbox', { name: 'Enter your index' });
}

describe('home: submit form', () => {
  it('home: refuses "abc" inline with the API\'s message and submits nothing', async () => {
    const bodies = recordSubmissions();
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.type(indexBox(), 'abc');
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    expect(indexBox()).toHaveAttribute('aria-invalid', 'true');
    expect(indexBox()).toHaveAccessibleDescription(expect.stringContaining(formMessages.malformed));
    expect(bodies).toEqual([]);
  });

  it.each(['1.5', '1e9', ' 7', '-3', '5abc'])('home: refuses %j before sending it', async (text) => {
    const bodies = recordSubmissions();
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.type(indexBox(), text);
    await user.keyboard('{Enter}');
    expect(indexBox()).toHaveAttribute('aria-invalid', 'true');
    expect(bodies).toEqual([]);
  });

  it('home: shows the limit from /api/stats and refuses an index above it with the range message', async () => {
    server.use(http.get('/api/stats', () => HttpResponse.json({ ...sampleStats, maxIndex: 5000 })));
    const bodies = recordSubmissions();
    const user = userEvent.setup();
    render(<Dashboard />);
    expect(await screen.findByText('A whole number from 0 to 5,000.')).toBeInTheDocument();
    await user.type(indexBox(), '5001');
    await user.keyboard('{Enter}');
    expect(indexBox()).toHaveAccessibleDescription(expect.stringContaining(formMessages.outOfRange(5000)));
    expect(bodies).toEqual([]);
  });

  it('home: an empty submit asks for a number instead of sending', async () => {
    const bodies = recordSubmissions();
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    expect(indexBox()).toHaveAccessibleDescription(expect.stringContaining(formMessages.malformed));
    expect(bodies).toEqual([]);
  });

  it('home: Enter submits a valid index as a number, clears the box and keeps focus', async () => {
    const bodies = recordSubmissions();
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.type(indexBox(), '12{Enter}');
    await waitFor(() => expect(bodies).toEqual([{ index: 12 }]));
    await waitFor(() => expect(indexBox()).toHaveValue(''));
    expect(indexBox()).toHaveFocus();
    expect(indexBox()).not.toHaveAttribute('aria-invalid');
  });

  it('home: says so when the API already knew the value', async () => {
    server.use(http.post('/api/values', () => HttpResponse.json({ working: true, index: 12, status: 'done' }, { status: 202 })));
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.type(indexBox(), '12{Enter}');
    expect(await screen.findByText('F(12) was already known.')).toBeInTheDocument();
  });

  it("home: shows the API's 422 text in place when the server refuses the index", async () => {
    server.use(
      http.post('/api/values', () =>
        HttpResponse.json({ error: 'index must be between 0 and 10 (the limit is 10)' }, { status: 422 }),
      ),
    );
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.type(indexBox(), '11{Enter}');
    await waitFor(() =>
      expect(indexBox()).toHaveAccessibleDescription(expect.stringContaining('index must be between 0 and 10 (the limit is 10)')),
    );
  });

  it('home: says the submit failed (not a blank page) when the API is unreachable', async () => {
    server.use(http.post('/api/values', () => HttpResponse.json({ error: 'API unreachable' }, { status: 503 })));
    const user = userEvent.setup();
    render(<Dashboard />);
    await user.type(indexBox(), '12{Enter}');
    await waitFor(() =>
      expect(indexBox()).toHaveAccessibleDescription(expect.stringContaining('Could not submit: API unreachable')),
    );
    expect(indexBox()).toHaveValue('12');
  });
});
