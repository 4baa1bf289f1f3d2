// Redis memory against its cap (INFO memory, INFO stats), as /api/health and /api/stats show it.
import type { Redis } from 'ioredis';

import type { RedisMemory } from '../http/api-types.js';

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/** Used bytes, the cap (0: none), and values dropped under the cap since the server started. */
export async function readMemory(client: Redis): Promise<RedisMemory> {
  const [memory, stats] = await Promise.all([client.info('memory'), client.info('stats')]);
  const usedBytes = field(memory, 'used_memory');
  const maxBytes = field(memory, 'maxmemory');
  return {
    usedBytes,
    maxBytes,
    usedFraction: maxBytes > 0 ? Math.round((usedBytes / maxBytes) * 1000) / 1000 : null,
    evictedValues: field(stats, 'evicted_keys'),
  };
}
