// The runtime's status server on 127.0.0.1: GET /scaler (the local KEDA/HPA state, which the
// web app's /local/scaler and the load test read), GET /processes (what runs, its PID and
// restarts, which `npm run chaos` uses to pick its targets) and POST /redis/replica/stop|start
// (take the replica down and bring it back, as deleting redis-1 does on the cluster; the e2e
// tests watch the page react). The product knows nothing of it.
import { createServer, type Server } from 'node:http';

import { errorMessage } from '../../functions/src/errors.js';
import type { ScalerState } from './local-scaler.js';
import type { ProcessState } from './managed-process.js';

/** One row of GET /processes. */
export interface ProcessStatus {
  name: string;
  pid: number | null;
  state: ProcessState;
  restarts: number;
}

export interface StatusSource {
  scaler(): ScalerState | undefined;
  processes(): ProcessStatus[];
  /** The runtime's own Redis replica; undefined when REDIS_MASTER points elsewhere. */
  replica?: {
    /** Stops it and keeps it stopped (no restart); resolves once it has exited. */
    stop(): Promise<void>;
    /** Starts it again on the same port and data; resolves once it answers. */
    start(): Promise<void>;
  };
}

/** Starts the server on `port` (0: a free one); resolves with the server and its URL. */
export async function startStatusServer(source: StatusSource, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const replicaAction = /^\/redis\/replica\/(stop|start)$/.exec(path)?.[1];
    if (replicaAction) {
      if (request.method !== 'POST') return answer(405, { error: 'use POST' });
      if (!source.replica) return answer(404, { error: 'this runtime does not run the Redis replica' });
      const action = replicaAction === 'stop' ? source.replica.stop() : source.replica.start();
      action.then(
        () => answer(200, { replica: replicaAction === 'stop' ? 'stopped' : 'started' }),
        (error: unknown) => answer(500, { error: errorMessage(error) }),
      );
      return;
    }
    if (request.method !== 'GET') return answer(405, { error: `${request.method} is not allowed here` });
    if (path === '/scaler') {
      const state = source.scaler();
      return state ? answer(200, state) : answer(404, { error: 'no local scaler runs in this runtime' });
    }
    if (path === '/processes') return answer(200, source.processes());
    return answer(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://127.0.0.1:${bound}` };
}
