// The system panel: queue, pending, done, failed and active workers (/api/stats), the local
// runtime's scaler (/local/scaler) when npm start runs one, how the page gets updates, and health;
// LiveSystemPanel shows the live state's.
'use client';

import type { HealthReport, Stats } from '../api/api-types';
import { useLiveState } from '../live/live-state';
import type { StreamStatus } from '../live/use-live-events';
import type { ScalerState } from '../scaling/scaler-state';

const checkNames: Record<string, string> = {
  redisMaster: 'Redis master',
  redisReplica: 'Redis replica',
  postgres: 'Postgres',
};

const streamText: Record<StreamStatus, string> = {
  connecting: 'connecting to the live stream…',
  live: 'pushed by the server (live stream)',
  reconnecting: 'reconnecting to the live stream; polling meanwhile',
  polling: 'polled every second (live stream unavailable)',
};

/** Props of {@link SystemPanel}. */
export interface SystemPanelProps {
  stats: Stats | undefined;
  health: HealthReport | undefined;
  /** The API does not answer: the last health report is not shown as if it were current. */
  apiDown?: boolean;
  /** The local runtime's scaler; null or undefined where none runs (AKS). */
  scaler?: ScalerState | null | undefined;
  /** How the figures and results reach the page. */
  stream?: StreamStatus | undefined;
}

function Figure({ label, value, tone }: { label: string; value: number | undefined; tone?: string }) {
  return (
    <div className={`figure${tone && value ? ` figure-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>{value === undefined ? '–' : value.toLocaleString('en-US')}</dd>
    </div>
  );
}

function ScalerLine({ scaler }: { scaler: ScalerState }) {
  const capped = scaler.cap < scaler.desired;
  return (
    <p className="scaler" aria-label="Local scaler">
      Local scaler ({scaler.mode === 'fixed' ? 'fixed count' : scaler.mode === 'real-keda' ? 'real KEDA + HPA' : 'KEDA rules'}):{' '}
      {scaler.running} running, {scaler.desired} desired (min {scaler.minReplicaCount}, max {scaler.maxReplicaCount}); cap{' '}
      {scaler.cap}
      {capped ? ' — capped' : ''} ({scaler.capReason})
      {scaler.reason ? <span className="check-ms"> — {scaler.reason}</span> : null}
    </p>
  );
}

export function SystemPanel({ stats, health, apiDown = false, scaler, stream }: SystemPanelProps) {
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
      {scaler ? <ScalerLine scaler={scaler} /> : null}
      {stream ? (
        <p className="stream-status" aria-label="Updates">
          Updates: {streamText[stream]}
        </p>
      ) : null}
      {apiDown ? (
        <p className="checks-unknown" aria-label="Health checks">
          Health: unknown while the API is not answering (the last report is out of date).
        </p>
      ) : health ? (
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

/** {@link SystemPanel} of the live state (inside a LiveStateProvider). */
export function LiveSystemPanel() {
  const { stats, health, apiDown, scaler, stream } = useLiveState();
  return <SystemPanel stats={stats} health={health} apiDown={apiDown !== undefined} scaler={scaler} stream={stream} />;
}
