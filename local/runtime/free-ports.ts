// Every port setting of `npm start` and `npm run cluster` set to 0 (a free port picked at start),
// for a runtime that shares the machine with others: the tests, the benchmarks, the browser
// suite. One list, so a new port setting is isolated everywhere at once. No imports: the web
// app's end-to-end setup uses it too.

/** The environment that gives every listener of a runtime a free port. */
export const freePortsEnv = {
  API_PORT: '0',
  API_METRICS_PORT: '0',
  WEB_PORT: '0',
  RUNTIME_PORT: '0',
  REDIS_MASTER_PORT: '0',
  REDIS_REPLICA_PORT: '0',
  PGLITE_PORT: '0',
  CLUSTER_API_PORT: '0',
} as const;
