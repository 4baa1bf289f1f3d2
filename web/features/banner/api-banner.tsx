// The banner shown while the API is down, slow or degraded, with a Retry button; LiveApiBanner
// shows the live state's.
'use client';

import type { ApiError } from '../api/api-client';
import type { HealthReport } from '../api/api-types';
import { useLiveState } from '../live/live-state';

/** Props of {@link ApiBanner}. */
export interface ApiBannerProps {
  /** The first "unavailable" error of the live reads, if any. */
  error: ApiError | undefined;
  health: HealthReport | undefined;
  onRetry: () => void;
}

export function ApiBanner({ error, health, onRetry }: ApiBannerProps) {
  if (error) {
    return (
      <div className="banner banner-error" role="alert">
        <div>
          <strong>The Fibonacci API is not answering</strong> ({error.message}). What you see may be out of date; retrying
          automatically.
        </div>
        <button type="button" onClick={onRetry}>
          Retry now
        </button>
      </div>
    );
  }
  if (health?.status === 'degraded') {
    const down = Object.entries(health.checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    return (
      <div className="banner banner-warning" role="alert">
        <div>
          <strong>Part of the service is down</strong> ({down.join(', ')}). Results may be delayed.
        </div>
        <button type="button" onClick={onRetry}>
          Retry now
        </button>
      </div>
    );
  }
  return null;
}

/** {@link ApiBanner} of the live state (inside a LiveStateProvider). */
export function LiveApiBanner() {
  const { apiDown, health, retryAll } = useLiveState();
  return <ApiBanner error={apiDown} health={health} onRetry={retryAll} />;
}
