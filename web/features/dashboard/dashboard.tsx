// The page's live part, a layout: the live state and the panels that subscribe to it.
import { LiveApiBanner } from '../banner/api-banner';
import { type LiveStateOptions, LiveStateProvider } from '../live/live-state';
import { LiveRedisPanel } from '../redis/redis-panel';
import { ResultAnnouncer } from '../results/result-announcer';
import { LiveResultsList } from '../results/results-list';
import { LiveScalingPanel } from '../scaling/scaling-panel';
import { LiveSeenIndexes } from '../submissions/seen-indexes';
import { LiveSubmitForm } from '../submit/submit-form';
import { LiveSystemPanel } from '../system/system-panel';

/** Options are the live state's (intervals and page sizes; shortened in tests). */
export function Dashboard(options: LiveStateOptions) {
  return (
    <LiveStateProvider {...options}>
      <LiveApiBanner />
      <div className="layout">
        <div className="main-column">
          <section className="panel" aria-label="Submit an index">
            <LiveSubmitForm />
          </section>
          <LiveResultsList />
        </div>
        <aside className="side-column">
          <LiveSeenIndexes />
          <LiveSystemPanel />
          <LiveScalingPanel />
          <LiveRedisPanel />
        </aside>
      </div>
      <ResultAnnouncer />
    </LiveStateProvider>
  );
}
