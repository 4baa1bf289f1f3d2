// "Redis StatefulSet": each node's name, role, state, link, replication offset and lag, which node
// the API reads from, and which one served this page's last read (the x-served-by header);
// LiveRedisPanel shows the live state's topology.
'use client';

import type { RedisNode, RedisTopology } from '../api/api-types';
import { type ServedBy, useServedBy } from '../api/served-by';
import { useLiveState } from '../live/live-state';

/** Props of {@link RedisPanel}. */
export interface RedisPanelProps {
  topology: RedisTopology | undefined;
  /** Why the topology could not be read, while there is none to show. */
  loadError?: string | undefined;
  servedBy: ServedBy | undefined;
}

type NodeState = 'up' | 'down' | 'sync' | 'link-down';

const stateText: Record<NodeState, string> = {
  up: 'Up',
  down: 'Down',
  sync: 'Resyncing',
  'link-down': 'Link down',
};

function nodeState(node: RedisNode): NodeState {
  if (!node.up) return 'down';
  if (node.link === 'sync') return 'sync';
  if (node.link === 'down') return 'link-down';
  return 'up';
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

function NodeCard({ node, servedLastRead }: { node: RedisNode; servedLastRead: boolean }) {
  const state = nodeState(node);
  return (
    <li className={`node node-${state}`}>
      <div className="node-head">
        <span className="node-name">{node.name}</span>
        <span className="node-role">{node.role}</span>
        <span className={`node-state node-state-${state}`}>
          <span className="node-icon" aria-hidden="true">
            {state === 'up' ? '●' : state === 'sync' ? '↻' : '✕'}
          </span>
          {stateText[state]}
          {state === 'down' && node.downSince !== null ? ` since ${clock(node.downSince)}` : null}
        </span>
      </div>
      <dl className="node-figures">
        <div>
          <dt>Link</dt>
          <dd>{node.role === 'master' ? '—' : (node.link ?? 'unknown')}</dd>
        </div>
        <div>
          <dt>Offset</dt>
          <dd>{node.offset === null ? '–' : node.offset.toLocaleString('en-US')}</dd>
        </div>
        <div>
          <dt>Lag</dt>
          <dd>{node.role === 'master' ? '—' : node.lagBytes === null ? '–' : formatBytes(node.lagBytes)}</dd>
        </div>
      </dl>
      {node.servesReads || servedLastRead ? (
        <p className="node-tags">
          {node.servesReads ? <span className="tag">serves reads</span> : null}
          {servedLastRead ? <span className="tag tag-strong">served this page&apos;s last read</span> : null}
        </p>
      ) : null}
    </li>
  );
}

export function RedisPanel({ topology, loadError, servedBy }: RedisPanelProps) {
  return (
    <section className="panel redis" aria-labelledby="redis-title">
      <h2 id="redis-title">Redis StatefulSet</h2>
      {topology ? (
        <>
          <p className="redis-reads">
            Writes go to the master; reads go to <strong>{topology.readsFrom}</strong>.
          </p>
          <ul className="nodes" aria-label="Redis nodes">
            {topology.nodes.map((node) => (
              <NodeCard key={node.name} node={node} servedLastRead={servedBy?.node === node.name} />
            ))}
          </ul>
        </>
      ) : (
        <p className="empty">{loadError ? `Topology not available: ${loadError}.` : 'Loading…'}</p>
      )}
      <p className="redis-served" aria-label="Last read">
        {servedBy ? (
          <>
            This page&apos;s last read ({servedBy.path}) was served by <strong>{servedBy.node}</strong> at {clock(servedBy.at)}.
          </>
        ) : (
          'No read has named its Redis node yet.'
        )}
      </p>
    </section>
  );
}

/** {@link RedisPanel} of the live state's topology and this page's last read (inside a LiveStateProvider). */
export function LiveRedisPanel() {
  const { topology, topologyError } = useLiveState();
  const servedBy = useServedBy();
  return <RedisPanel topology={topology} loadError={topology ? undefined : topologyError} servedBy={servedBy} />;
}
