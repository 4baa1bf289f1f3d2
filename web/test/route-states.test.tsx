// The route's own states: app/loading.tsx while the page is on its way, app/error.tsx when
// rendering it failed (a retry, and nothing of the error shown).
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import RouteError from '../app/error';
import Loading from '../app/loading';

describe('home: route states', () => {
  it('home: says it is loading while the page is on its way', () => {
    render(<Loading />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading the Fibonacci calculator…');
  });

  it('home: a failed render shows a plain message and a retry, never the error itself', async () => {
    const retry = vi.fn();
    const error = Object.assign(new Error('ECONNREFUSED 10.0.0.7:6379 at readModel (/srv/functions/read-model.ts:75)'), {
      digest: '1234567',
    });
    const user = userEvent.setup();
    render(<RouteError error={error} retry={retry} />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('The page could not be shown');
    expect(alert).not.toHaveTextContent(/ECONNREFUSED|read-model|1234567/);
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(retry).toHaveBeenCalledTimes(1);
  });
});
