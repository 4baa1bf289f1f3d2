// Shapes of the live view's JSON (CONTRACTS.md of this session): /api/topology, /api/events and
// the local runtime's /scaler. To move into functions/src/http/api-types.ts (@shared/api-types).
import type { RecentValue, Stats } from '../api/api-types';

/** One Redis node as `GET /api/topology` reports it (from `INFO replication`). */
export interface RedisNode {
  /** First DNS label of the configured host (`redis-0`), else the role (`master`, `replica`). */
  name: string;
  role: 'master' | 'replica';
  up: boolean;
  /** A replica's `master_link_status` (`sync` while resyncing); null for the master or when unknown. */
  link: 'up' | 'down' | 'sync' | null;
  /** Replication offset; null when the node does not answer. */
  offset: number | null;
  /** How far a replica's offset is behind the master's, in bytes; null for the master or when unknown. */
  lagBytes: number | null;
  /** True for the node the API's reads go to now. */
  servesReads: boolean;
  /** Since when (ms since the epoch) the node has been down; null while up. */
  downSince: number | null;
}

/** `GET /api/topology` and the `topology` event. */
export interface RedisTopology {
  nodes: RedisNode[];
  /** Name of the node the API reads from now. */
  readsFrom: string;
  /** Server time of the report (ms since the epoch). */
  time: number;
}

/** The local runtime's `GET /scaler` (through the web app's `/local/scaler`). */
export interface ScalerState {
  mode: 'keda' | 'fixed';
  /** KEDA's / the HPA's decision. */
  desired: number;
  /** Workers actually running. */
  running: number;
  /** The machine-core cap on workers. */
  cap: number;
  capReason: string;
  queueLength: number;
  active: boolean;
  reason: string;
  minReplicaCount: number;
  maxReplicaCount: number;
  listLength: number;
  updatedAt: number;
}

/** `event: value` of `/api/events`: an index changed status; `id` is the Redis stream id. */
export type ValueEvent = RecentValue;
/** `event: stats` of `/api/events`: the same JSON as `/api/stats`. */
export type StatsEvent = Stats;
/** `event: topology` of `/api/events`. */
export type TopologyEvent = RedisTopology;
