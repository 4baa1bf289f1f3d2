// Browser reads of the live view besides the stream: the Redis topology (polled while the stream
// is down) and the local runtime's scaler state (only where `npm start` runs one).
import { ApiError, getJson } from '../api/api-client';
import type { RedisTopology, ScalerState } from './live-types';

/** `GET /api/topology`. */
export function fetchTopology(signal?: AbortSignal): Promise<RedisTopology> {
  return getJson<RedisTopology>('/api/topology', signal);
}

/**
 * `GET /local/scaler` (the web app's route to the local runtime); null when there is none
 * (404: on AKS, KEDA and kubectl tell instead).
 */
export async function fetchScaler(signal?: AbortSignal): Promise<ScalerState | null> {
  try {
    return await getJson<ScalerState>('/local/scaler', signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
