// The web's type definitions, one name per type: the API's JSON answers, events included (the
// API's own definitions: functions/src/http/api-types.ts and functions/src/live/live-types.ts),
// plus what the UI derives from them. The local runtime's /scaler is not the API's: its shape
// is features/scaling/scaler-state.ts.

export type {
  HealthReport,
  IndexStatus,
  RecentValue,
  RecentValuesPage,
  Stats,
  Submission,
  SubmitAnswer,
  ValueDetail,
} from '@shared/api-types';
export type { RedisNode, RedisTopology } from '@shared/live-types';
import type { Submission } from '@shared/api-types';

/** `GET /api/values/all` plus the `X-Next-Before` header. */
export interface SubmissionsPage {
  items: Submission[];
  next: string | null;
}
