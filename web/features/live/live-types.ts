// Shapes of the live view's JSON: /api/topology and /api/events (the API's own types, shared) and
// the local runtime's /scaler (local/runtime/status-server.ts serves it; the product knows nothing of it).
import type { RedisTopology } from '@shared/live-types';

import type { RecentValue, Stats } from '../api/api-types';

export type { RedisNode, RedisTopology } from '@shared/live-types';

/** The local runtime's `GET /scaler` (through the web app's `/local/scaler`). */
export type { ScalerState } from '@local/scaler-state';

/** `event: value` of `/api/events`: an index changed status; `id` is the Redis stream id. */
export type ValueEvent = RecentValue;
/** `event: stats` of `/api/events`: the same JSON as `/api/stats`. */
export type StatsEvent = Stats;
/** `event: topology` of `/api/events`. */
export type TopologyEvent = RedisTopology;
