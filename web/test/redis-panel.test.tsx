// The Redis StatefulSet panel: nodes with role, state in words, link, offset and lag, where reads
// go, and which node served this page's last read (x-served-by).
import { render, screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { RedisTopology } from '../features/api/api-types';
import { Dashboard } from '../features/dashboard/dashboard';
import { sampleRecent, sampleTopology } from '../mocks/handlers';
import { server } from '../mocks/node';

function nodeItem(name: string) {
  const list = screen.getByRole('list', { name: 'Redis nodes' });
  const item = within(list)
    .getAllByRole('listitem')
    .find((li) => li.querySelector('.node-name')?.textContent === name);
  if (!item) throw new Error(`no node ${name}`);
  return item;
}

describe('home: Redis StatefulSet panel', () => {
  it('home: shows the master and the replica with role, state, link, offset and lag', async () => {
    render(<Dashboard />);
    await screen.findByRole('list', { name: 'Redis nodes' });
    const master = nodeItem('master');
    expect(master).toHaveTextContent('master');
    expect(master).toHaveTextContent('Up');
    expect(master).toHaveTextContent('Offset5,000');
    const replica = nodeItem('replica');
    expect(replica).toHaveTextContent('replica');
    expect(replica).toHaveTextContent('Linkup');
    expect(replica).toHaveTextContent('Offset4,990');
    expect(replica).toHaveTextContent('Lag10 B');
    expect(replica).toHaveTextContent('serves reads');
    expect(screen.getByRole('region', { name: 'Redis StatefulSet' })).toHaveTextContent('reads go to replica');
  });

  it('home: says in words that a replica is down or resyncing, not by color alone', async () => {
    const down: RedisTopology = {
      ...sampleTopology,
      nodes: [
        sampleTopology.nodes[0]!,
        {
          name: 'redis-1',
          role: 'replica',
          up: false,
          link: null,
          offset: null,
          lagBytes: null,
          servesReads: false,
          downSince: 1_764_049_990_000,
        },
        {
          name: 'redis-2',
          role: 'replica',
          up: true,
          link: 'sync',
          offset: 100,
          lagBytes: 4900,
          servesReads: false,
          downSince: null,
        },
      ],
      readsFrom: 'master',
    };
    server.use(http.get('/api/topology', () => HttpResponse.json(down)));
    render(<Dashboard />);
    await screen.findByRole('list', { name: 'Redis nodes' });
    expect(nodeItem('redis-1')).toHaveTextContent(/Down since \d\d:\d\d:\d\d/);
    expect(nodeItem('redis-2')).toHaveTextContent('Resyncing');
    expect(nodeItem('redis-2')).toHaveTextContent('Lag4.8 KB');
    expect(screen.getByRole('region', { name: 'Redis StatefulSet' })).toHaveTextContent('reads go to master');
  });

  it("home: shows which node served the page's last read from the x-served-by header", async () => {
    server.use(
      http.get('/api/values/recent', () =>
        HttpResponse.json({ items: sampleRecent, next: null }, { headers: { 'x-served-by': 'replica' } }),
      ),
    );
    render(<Dashboard liveIntervalMs={60_000} />);
    const lastRead = await screen.findByLabelText('Last read');
    await within(lastRead).findByText('replica');
    expect(lastRead).toHaveTextContent(/served by replica at/);
    expect(await within(nodeItem('replica')).findByText("served this page's last read")).toBeInTheDocument();
    expect(within(nodeItem('master')).queryByText("served this page's last read")).not.toBeInTheDocument();
  });

  it('home: says the topology is not available when /api/topology fails', async () => {
    server.use(http.get('/api/topology', () => HttpResponse.json({ error: 'not found' }, { status: 404 })));
    render(<Dashboard />);
    expect(await screen.findByText(/Topology not available/)).toBeInTheDocument();
    // A missing topology is not "the API is down".
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
