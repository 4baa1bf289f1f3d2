// The Redis StatefulSet's configuration (k8s/base/redis/configmap.yaml, `redis.conf`) as
// redis-server flags, so every local Redis (npm start, the tests' pairs) runs with the same
// memory cap, eviction policy and persistence as the pods on AKS.
import { readFileSync } from 'node:fs';

import { parse } from 'yaml';

/** The ConfigMap the StatefulSet mounts as /etc/redis/redis.conf: the one source. */
export const redisConfigMapUrl = new URL('../../k8s/base/redis/configmap.yaml', import.meta.url);

/**
 * Directives that describe the pod, not the service: where it listens and keeps its files.
 * The local runtime sets these per node (loopback, a free port, its data directory).
 */
const placementDirectives = new Set(['bind', 'port', 'dir']);

/** One `name value…` directive of a redis.conf. */
export interface RedisDirective {
  name: string;
  args: string[];
}

/** Parses redis.conf text: one directive per line, `#` comments, double-quoted arguments. */
export function parseRedisConf(text: string): RedisDirective[] {
  const directives: RedisDirective[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');
    const [name, ...args] = words;
    if (name !== undefined) directives.push({ name: name.toLowerCase(), args });
  }
  return directives;
}

/** The StatefulSet's redis.conf, read from the ConfigMap. */
export function statefulSetRedisConf(url: URL = redisConfigMapUrl): string {
  const configMap = parse(readFileSync(url, 'utf8')) as { data?: Record<string, unknown> };
  const conf = configMap.data?.['redis.conf'];
  if (typeof conf !== 'string') throw new Error(`${url.pathname} has no data."redis.conf"`);
  return conf;
}

/** Options for {@link statefulSetRedisArgs}. */
export interface StatefulSetRedisArgsOptions {
  /**
   * Replaces the ConfigMap's `maxmemory` (a test fills a small cap in seconds instead of 512 MB).
   * @defaultValue the ConfigMap's value
   */
  maxmemory?: string;
  /** Replaces the ConfigMap's `appendonly` (tests that never restart a node skip the file). */
  appendOnly?: boolean;
}

/** The ConfigMap's directives as redis-server flags, without the per-pod placement ones. */
export function statefulSetRedisArgs(options: StatefulSetRedisArgsOptions = {}, conf = statefulSetRedisConf()): string[] {
  const args: string[] = [];
  for (const { name, args: values } of parseRedisConf(conf)) {
    if (placementDirectives.has(name)) continue;
    let effective = values;
    if (name === 'maxmemory' && options.maxmemory !== undefined) effective = [options.maxmemory];
    if (name === 'appendonly' && options.appendOnly !== undefined) effective = [options.appendOnly ? 'yes' : 'no'];
    args.push(`--${name}`, ...effective);
  }
  return args;
}

/** The ConfigMap's `maxmemory` in bytes (0 when it sets none). */
export function statefulSetMaxMemoryBytes(conf = statefulSetRedisConf()): number {
  const value = parseRedisConf(conf).find((directive) => directive.name === 'maxmemory')?.args[0];
  return value === undefined ? 0 : redisMemoryBytes(value);
}

/** A redis.conf memory size ("512mb", "1gb", "100000") in bytes, as Redis reads it (k = 1000, kb = 1024). */
export function redisMemoryBytes(value: string): number {
  const match = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(value.trim());
  if (!match) throw new Error(`not a Redis memory size: "${value}"`);
  const units: Record<string, number> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(match[1]) * (units[(match[2] ?? '').toLowerCase()] ?? 1);
}
