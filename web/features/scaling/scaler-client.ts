// Browser read of the local runtime's scaler state (only where `npm start` runs one).
import { ApiError, getJson } from '../api/api-client';
import type { ScalerState } from './scaler-state';

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
