// The scaler state the page reads (features/scaling/scaler-state.ts) against what the local
// runtime serves: a real LocalScaler's snapshot, through the web app's /local/scaler route, into
// the system panel's scaler line and the scaling chart's samples. Fails (and tsc with it) when
// local/runtime/scaler-state.ts and the web's copy drift apart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { render, screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';

import { LocalScaler } from '../../local/runtime/local-scaler';
import { parseScaledObject } from '../../local/runtime/scaling-rules';
import { getScalerState } from '../features/scaling/scaler-route';
import type { ScalerState } from '../features/scaling/scaler-state';
import { addSample } from '../features/scaling/scaling-history';
import { SystemPanel } from '../features/system/system-panel';
import { sampleStats } from '../mocks/handlers';
import { server } from '../mocks/node';

afterEach(() => {
  delete process.env.LOCAL_RUNTIME_URL;
});

describe('local scaler state', () => {
  it('local scaler: what the runtime serves on /scaler is the shape the system and scaling panels read', async () => {
    const spec = parseScaledObject(readFileSync(join(import.meta.dirname, '..', '..', 'keda', 'scaledobject.yaml'), 'utf8'));
    const scaler = new LocalScaler({
      spec,
      readQueueLength: () => Promise.resolve(0),
      startWorker: () => ({ stop: () => Promise.resolve() }),
      cap: { cap: 2, reason: '2 CPU cores' },
    });
    // Type-checked too: the runtime's state must fit the web's definition.
    const served: ScalerState = scaler.snapshot();
    server.use(http.get('http://runtime.test:4100/scaler', () => HttpResponse.json(served)));
    process.env.LOCAL_RUNTIME_URL = 'http://runtime.test:4100';

    const answer = (await (await getScalerState()).json()) as ScalerState;
    render(<SystemPanel stats={undefined} health={undefined} scaler={answer} />);
    expect(screen.getByLabelText('Local scaler')).toHaveTextContent(
      `Local scaler (KEDA rules): 0 running, 0 desired (min ${spec.minReplicaCount}, max ${spec.maxReplicaCount}); cap 2 (2 CPU cores) — starting`,
    );
    expect(addSample([], sampleStats, answer)[0]).toMatchObject({ desired: 0, running: 0, cap: 2 });
  });
});
