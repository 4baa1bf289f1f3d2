// The system panel: queue, pending, done, failed and active workers (/api/stats), the local
// autoscaler's replica count when npm start runs one, and health.
'use client';

import type { Health, Stats } from '../api/api-types';

const checkNames: Record<string, string> = {
  redisMaster: 'Redis master',
  redisReplica: 'Redis replica',
  postgres: 'Postgres',
};

/** Props of {@link SystemPanel}. */
export interface SystemPanelProps {
  stats: Stats | undefined;
  health: Health | undefined;
}

function Figure({ label, value, tone }: { label: string; value: number | undefined; tone?: string }) {
  return (
    <div className={`figure${tone && value ? ` figure-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>{value === undefined ? '–' : value.toLocaleString('en-US')}</dd>
    </div>
  );
}

export function SystemPanel({ stats, health }: SystemPanelProps) {
  return (
    <section className="panel system" aria-labelledby="system-title">
      <h2 id="system-title">System</h2>
      <dl className="figures">
        <Figure label="Queue length" value={stats?.queueLength} tone="busy" />
        <Figure label="Computing" value={stats?.computing} tone="busy" />
        <Figure label="Pending" value={stats?.pending} tone="busy" />
        <Figure label="Done" value={stats?.done} />
        <Figure label="Failed" value={stats?.failed} tone="bad" />
        <Figure label="Active workers" value={stats?.workers.active} />
      </dl>
      {stats?.autoscaler ? (
        <p className="autoscaler" aria-label="Autoscaler">
          Autoscaler ({stats.autoscaler.mode === 'fixed' ? 'fixed count' : 'KEDA rules'}): {stats.autoscaler.replicas} of{' '}
          {stats.autoscaler.maxReplicaCount} worker{stats.autoscaler.maxReplicaCount === 1 ? '' : 's'}
          {stats.autoscaler.reason ? <span className="check-ms"> — {stats.autoscaler.reason}</span> : null}
        </p>
      ) : null}
      {health ? (
        <ul className="checks" aria-label="Health checks">
          {Object.entries(health.checks).map(([name, check]) => (
            <li key={name} className={check.ok ? 'check-ok' : 'check-down'}>
              <span className="dot" aria-hidden="true" />
              {checkNames[name] ?? name}: {check.ok ? 'up' : 'down'}
              {check.ok && check.ms !== undefined ? <span className="check-ms"> ({check.ms} ms)</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
