// Reads the Redis StatefulSet's shape from INFO replication of the master and the replica: each
// node's role, link, offset and lag. The nodes' names, which node serves reads and since when a
// node is down are the read router's (redis/read-router.ts), so /api/topology and /api/health agree.
import type { Redis } from 'ioredis';

import type { ReadRouter } from '../redis/read-router.js';
import type { RedisNode, RedisTopology } from './live-types.js';

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

/** What {@link readTopology} reads from. */
export interface TopologySources {
  /** The Redis master, for its INFO. */
  readonly master: Redis;
  /** The nodes' state; it reads the replica's INFO (and marks the replica serving or not from it). */
  readonly reads: Pick<ReadRouter, 'nodes' | 'readsFrom' | 'downSince' | 'observe' | 'replicaInfo'>;
}

async function masterInfo(sources: TopologySources): Promise<Map<string, string> | undefined> {
  try {
    const info = parseInfo(await sources.master.info('replication'));
    sources.reads.observe('master', 'answered');
    return info;
  } catch (error) {
    sources.reads.observe('master', 'failed', error);
    return undefined;
  }
}

/** One snapshot; never throws (a node that does not answer is `up: false`). */
export async function readTopology(sources: TopologySources, now = Date.now()): Promise<RedisTopology> {
  const { reads } = sources;
  const [master, replica] = reads.nodes;
  const [masterFields, replicaText] = await Promise.all([
    masterInfo(sources),
    replica ? reads.replicaInfo() : Promise.resolve(undefined),
  ]);
  const replicaFields = replicaText === undefined ? undefined : parseInfo(replicaText);
  const readsFrom = reads.readsFrom;
  const masterOffset = numberField(masterFields, 'master_repl_offset');
  const masterName = master?.name ?? 'master';

  const nodes: RedisNode[] = [
    {
      name: masterName,
      role: masterFields?.get('role') === 'slave' ? 'replica' : 'master',
      up: masterFields !== undefined,
      link: null,
      offset: masterOffset,
      lagBytes: masterFields ? 0 : null,
      servesReads: readsFrom === masterName,
      downSince: reads.downSince('master'),
    },
  ];
  if (replica) {
    const linkStatus = replicaFields?.get('master_link_status');
    const syncing = replicaFields?.get('master_sync_in_progress') === '1';
    const replicaOffset = numberField(replicaFields, 'slave_repl_offset') ?? numberField(replicaFields, 'master_repl_offset');
    nodes.push({
      name: replica.name,
      role: replicaFields?.get('role') === 'master' ? 'master' : 'replica',
      up: replicaFields !== undefined,
      link: replicaFields === undefined ? null : syncing ? 'sync' : linkStatus === 'up' ? 'up' : 'down',
      offset: replicaOffset,
      lagBytes: masterOffset !== null && replicaOffset !== null ? Math.max(0, masterOffset - replicaOffset) : null,
      servesReads: readsFrom === replica.name,
      downSince: reads.downSince('replica'),
    });
  }
  return { nodes, readsFrom, time: now };
}
