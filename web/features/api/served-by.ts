// Which Redis node served this page's last read: the transport (api-client.ts) records the API's
// `x-served-by` answer header here (one value per page); the StatefulSet panel reads it.
'use client';

import { useSyncExternalStore } from 'react';

/** The last read that named its node. */
export interface ServedBy {
  /** Node name, as in `/api/topology` (`redis-1`, `replica`, `master`). */
  node: string;
  /** The API path that was read, without the query. */
  path: string;
  /** When the answer came (ms since the epoch, browser clock). */
  at: number;
}

let current: ServedBy | undefined;
const listeners = new Set<() => void>();

/** Records `x-served-by` of an API answer, if it has one. */
export function noteServedBy(response: Response, path: string): void {
  const node = response.headers.get('x-served-by');
  if (!node) return;
  current = { node, path: path.split('?')[0] ?? path, at: Date.now() };
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): ServedBy | undefined {
  return current;
}

/** The last read's node, re-rendering when another read names one. */
export function useServedBy(): ServedBy | undefined {
  return useSyncExternalStore(subscribe, snapshot, () => undefined);
}
