// Every local Redis runs the StatefulSet's redis.conf (k8s/base/redis/configmap.yaml): the
// command line the runtime builds carries the ConfigMap's cap, policy and persistence, and no
// flag of its own beside the per-node placement.
import { describe, expect, it } from 'vitest';

import { parseRedisConf, statefulSetRedisConf } from '../runtime/redis-config.js';
import { redisServerArgs } from '../runtime/redis-pair.js';

/** Each `--name value…` flag of a redis-server command line, with its values. */
function flags(args: string[]): Map<string, string[][]> {
  const found = new Map<string, string[][]>();
  let current: string[] | undefined;
  for (const arg of args) {
    if (arg.startsWith('--')) {
      current = [];
      const name = arg.slice(2);
      found.set(name, [...(found.get(name) ?? []), current]);
    } else {
      current?.push(arg);
    }
  }
  return found;
}

describe('the local redis-server command line', () => {
  const args = redisServerArgs({ port: 7001, dir: '/tmp/fib-redis-test' });
  const byName = flags(args);

  it('gets the ConfigMap’s cap, eviction policy and persistence: maxmemory 512mb, volatile-lru, appendonly yes, save ""', () => {
    expect(byName.get('maxmemory')).toEqual([['512mb']]);
    expect(byName.get('maxmemory-policy')).toEqual([['volatile-lru']]);
    expect(byName.get('appendonly')).toEqual([['yes']]);
    // One `save` flag, with the empty argument that turns RDB snapshots off, and it comes from
    // the ConfigMap (the pods read the same line), not from the runtime.
    expect(byName.get('save')).toEqual([['']]);
    expect(parseRedisConf(statefulSetRedisConf()).find((directive) => directive.name === 'save')?.args).toEqual(['']);
  });

  it('adds only the per-node placement to the ConfigMap’s directives', () => {
    const fromConfigMap = new Set(parseRedisConf(statefulSetRedisConf()).map((directive) => directive.name));
    const added = [...byName.keys()].filter((name) => !fromConfigMap.has(name));
    expect(added.sort()).toEqual(['daemonize', 'protected-mode']);
    expect(byName.get('port')).toEqual([['7001']]);
    expect(byName.get('bind')).toEqual([['127.0.0.1']]);
    expect(byName.get('dir')).toEqual([['/tmp/fib-redis-test']]);
  });

  it('lets a test lower the cap and skip the append-only file, and points a replica at its master', () => {
    const replica = flags(redisServerArgs({ port: 7002, dir: '/tmp/r', maxmemory: '8mb', appendOnly: false, masterPort: 7001 }));
    expect(replica.get('maxmemory')).toEqual([['8mb']]);
    expect(replica.get('appendonly')).toEqual([['no']]);
    expect(replica.get('maxmemory-policy')).toEqual([['volatile-lru']]);
    expect(replica.get('replicaof')).toEqual([['127.0.0.1', '7001']]);
  });
});
