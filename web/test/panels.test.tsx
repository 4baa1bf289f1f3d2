// Each panel alone under the live-state provider: it reads its own part of the live state (no
// page around it), so a panel can be built and tested by itself.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';

import { LiveApiBanner } from '../features/banner/api-banner';
import { type LiveStateOptions, LiveStateProvider, useLiveState } from '../features/live/live-state';
import { LiveRedisPanel } from '../features/redis/redis-panel';
import { LiveResultsList } from '../features/results/results-list';
import { LiveScalingPanel } from '../features/scaling/scaling-panel';
import { LiveSeenIndexes } from '../features/submissions/seen-indexes';
import { LiveSubmitForm } from '../features/submit/submit-form';
import { LiveSystemPanel } from '../features/system/system-panel';
import { sampleStats } from '../mocks/handlers';
import { server } from '../mocks/node';

function alone(panel: ReactNode, options: LiveStateOptions = {}) {
  return render(<LiveStateProvider {...options}>{panel}</LiveStateProvider>);
}

describe('panels: each alone under the live state', () => {
  it('panels: the results list shows the fetched results', async () => {
    alone(<LiveResultsList />);
    const list = await screen.findByRole('list', { name: 'Calculated values' });
    expect(within(list).getByText('144')).toBeInTheDocument();
  });

  it('panels: the seen indexes list shows the submissions log', async () => {
    alone(<LiveSeenIndexes />);
    const list = await screen.findByRole('list', { name: 'Indexes I have seen' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['100000', '12']);
  });

  it('panels: the system panel shows the figures and the health checks', async () => {
    alone(<LiveSystemPanel />);
    const panel = screen.getByRole('region', { name: 'System' });
    await waitFor(() => expect(within(panel).getByText('Queue length').nextElementSibling).toHaveTextContent('3'));
    expect(await within(panel).findByRole('list', { name: 'Health checks' })).toHaveTextContent('Postgres: up');
  });

  it('panels: the Redis panel shows the nodes and where reads go', async () => {
    alone(<LiveRedisPanel />);
    const nodes = await screen.findByRole('list', { name: 'Redis nodes' });
    expect(within(nodes).getAllByRole('listitem')).toHaveLength(2);
    expect(screen.getByRole('region', { name: 'Redis StatefulSet' })).toHaveTextContent('reads go to replica');
  });

  it('panels: the scaling panel charts the figures of the live state', async () => {
    let time = sampleStats.time;
    server.use(http.get('/api/stats', () => HttpResponse.json({ ...sampleStats, time: (time += 1_000) })));
    alone(<LiveScalingPanel />, { liveIntervalMs: 30 });
    expect(await screen.findByRole('group', { name: 'Scaling charts' }, { timeout: 5_000 })).toBeInTheDocument();
  });

  it('panels: an index submitted from the form shows in a results list under the same provider', async () => {
    const user = userEvent.setup();
    alone(
      <>
        <LiveSubmitForm />
        <LiveResultsList />
      </>,
    );
    await screen.findByRole('list', { name: 'Calculated values' });
    await user.type(screen.getByRole('textbox', { name: 'Enter your index' }), '31{Enter}');
    const list = screen.getByRole('list', { name: 'Calculated values' });
    await waitFor(() => expect(within(list).getAllByRole('listitem')[0]).toHaveTextContent('F(31)'));
  });

  it('panels: the banner says so when the API does not answer', async () => {
    server.use(http.get('/api/*', () => HttpResponse.json({ error: 'API unreachable' }, { status: 503 })));
    alone(<LiveApiBanner />);
    expect(await screen.findByRole('alert')).toHaveTextContent('The Fibonacci API is not answering (API unreachable)');
  });

  it('panels: a panel outside a provider says what it needs', () => {
    function Orphan() {
      useLiveState();
      return null;
    }
    expect(() => render(<Orphan />)).toThrow('useLiveState() needs a <LiveStateProvider> around it');
  });
});
