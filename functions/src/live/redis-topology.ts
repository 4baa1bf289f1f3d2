// Reads the Redis StatefulSet's shape from INFO replication of the master and the replica:
// each node's stable name, role, link, offset and lag, and which node serves reads.
import { isIP } from 'node:net';

import type { Redis } from 'ioredis';

import type { Config } from '../config.js';
import type { RedisEndpoint } from '../redis/connection-string.js';
import type { RedisNode, RedisTopology } from './live-types.js';

/** The first DNS label of a host name (redis-0.redis-headless... -> redis-0); the role for an IP or localhost. */
export function nodeName(host: string, role: RedisNode['role']): string {
  if (isIP(host) !== 0 || host === 'localhost') return role;
  return host.split('.')[0] || role;
}

/** `INFO replication` as a map of its `name:value` lines. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const separator = line.indexOf(':');
    if (separator > 0 && !line.startsWith('#')) fields.set(line.slice(0, separator), line.slice(separator + 1).trim());
  }
  return fields;
}

function numberField(fields: Map<string, string> | undefined, name: string): number | null {
  const value = fields?.get(name);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

async function info(client: Redis): Promise<Map<string, string> | undefined> {
  try {
    return parseInfo(await client.info('replication'));
  } catch {
    return undefined;
  }
}

function sameEndpoint(a: RedisEndpoint, b: RedisEndpoint): boolean {
  return a.host === b.host && a.port === b.port;
}

/** What {@link readTopology} reads from. */
export interface TopologySources {
  config: Pick<Config, 'redisMaster' | 'redisReplica'>;
  master: Redis;
  replica: Redis;
}

/** Reads snapshots and remembers since when each node has been down (one per app: FunctionApp.topology). */
export class TopologyWatch {
  /** When this process first saw each node down, by name (forgotten once it answers again). */
  private readonly downSince = new Map<string, number>();

  read(sources: TopologySources, now = Date.now()): Promise<RedisTopology> {
    return readTopology(sources, this.downSince, now);
  }
}

/** One snapshot; never throws (a node that does not answer is `up: false`). */
async function readTopology(sources: TopologySources, downSince: Map<string, number>, now: number): Promise<RedisTopology> {
  const { config } = sources;
  const single = sameEndpoint(config.redisMaster, config.redisReplica);
  const [masterInfo, replicaInfo] = await Promise.all([info(sources.master), single ? undefined : info(sources.replica)]);
  let masterName = nodeName(config.redisMaster.host, 'master');
  let replicaName = nodeName(config.redisReplica.host, 'replica');
  if (!single && masterName === replicaName) [masterName, replicaName] = ['master', 'replica'];
  const masterOffset = numberField(masterInfo, 'master_repl_offset');

  const track = (name: string, up: boolean): number | null => {
    if (up) {
      downSince.delete(name);
      return null;
    }
    if (!downSince.has(name)) downSince.set(name, now);
    return downSince.get(name) ?? now;
  };

  const nodes: RedisNode[] = [
    {
      name: masterName,
      role: masterInfo?.get('role') === 'slave' ? 'replica' : 'master',
      up: masterInfo !== undefined,
      link: null,
      offset: masterOffset,
      lagBytes: masterInfo ? 0 : null,
      servesReads: false,
      downSince: track(masterName, masterInfo !== undefined),
    },
  ];
  if (!single) {
    const linkStatus = replicaInfo?.get('master_link_status');
    const syncing = replicaInfo?.get('master_sync_in_progress') === '1';
    const replicaOffset = numberField(replicaInfo, 'slave_repl_offset') ?? numberField(replicaInfo, 'master_repl_offset');
    nodes.push({
      name: replicaName,
      role: replicaInfo?.get('role') === 'master' ? 'master' : 'replica',
      up: replicaInfo !== undefined,
      link: replicaInfo === undefined ? null : syncing ? 'sync' : linkStatus === 'up' ? 'up' : 'down',
      offset: replicaOffset,
      lagBytes: masterOffset !== null && replicaOffset !== null ? Math.max(0, masterOffset - replicaOffset) : null,
      servesReads: false,
      downSince: track(replicaName, replicaInfo !== undefined),
    });
  }
  // Reads go to a replica whose link is up, else to the master (the read fallback).
  const replica = nodes[1];
  const reader = replica && replica.up && replica.link === 'up' ? replica : nodes[0];
  if (reader) reader.servesReads = true;
  return { nodes, readsFrom: reader?.name ?? masterName, time: now };
}
