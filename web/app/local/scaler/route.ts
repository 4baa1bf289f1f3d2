// GET /local/scaler: the local runtime's scaler state for the scaling panel (see scaler-route.ts).
import { getScalerState } from '@/features/scaling/scaler-route';

// Never prerender or cache: every call asks the local runtime.
export const dynamic = 'force-dynamic';

export const GET = getScalerState;
