// Shapes of the API's JSON answers: the API's own definitions (functions/src/http/api-types.ts),
// plus what the UI derives from them. (The live view's types are in ../live/live-types.ts for now.)

export type {
  HealthReport as Health,
  IndexStatus,
  RecentValue,
  RecentValuesPage,
  Stats,
  Submission,
  SubmitAnswer,
  ValueDetail,
} from '@shared/api-types';
import type { Submission } from '@shared/api-types';

/** `GET /api/values/all` plus the `X-Next-Before` header. */
export interface SubmissionsPage {
  items: Submission[];
  next: string | null;
}
