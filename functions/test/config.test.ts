import { describe, expect, it } from 'vitest';

import { isKnownSettingName, loadConfig } from '../src/config.js';
import { parseRedisConnectionString } from '../src/redis/connection-string.js';

describe('loadConfig', () => {
  it('applies the documented defaults and reads the replica from the master when unset', () => {
    const config = loadConfig({ REDIS_MASTER: 'redis-0.redis-headless:6379,password=s3cret,ssl=False' });
    expect(config).toMatchObject({
      maxIndex: 1_000_000,
      tasksKey: 'tasks',
      leaseMs: 30_000,
      maxAttempts: 3,
      workerMaxBatchSize: 1000,
    });
    expect(config.redisMaster).toEqual({ host: 'redis-0.redis-headless', port: 6379, password: 's3cret', tls: false, db: 0 });
    expect(config.redisReplica).toEqual(config.redisMaster);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty strings as unset, as local.settings.json and ConfigMaps carry them', () => {
    expect(loadConfig({ MAX_INDEX: '', REDIS_KEY_PREFIX: '' }).maxIndex).toBe(1_000_000);
  });

  it.each([
    ['MAX_INDEX', 'lots'],
    ['MAX_INDEX', '-5'],
    ['LEASE_MS', '1.5'],
    ['REDIS_MASTER', 'redis://localhost:6379'],
    ['REDIS_REPLICA', 'host:99999'],
    ['DATABASE_URL', 'not a url'],
    ['FIB_ENGINE', 'fast'],
    ['METRICS_PORT', '70000'],
    ['MAX_ATTEMPTS', '3 '],
  ])('fails at start naming %s when it is %s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('names every bad variable in one message, so one start shows them all', () => {
    expect(() => loadConfig({ LEASE_MS: 'soon', FIB_ENGINE: 'fast', ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(
      /^Invalid configuration: LEASE_MS: must be a whole number; ALLOWED_ORIGINS: .*; FIB_ENGINE: /,
    );
  });

  it('never puts a password in its error messages', () => {
    expect(() => loadConfig({ REDIS_MASTER: 'host:1,password=hunter2,ssl=maybe' })).toThrow(/^(?!.*hunter2)/s);
  });

  it('knows its own setting names and the platform ones, and nothing else', () => {
    expect(isKnownSettingName('REDIS_MASTER')).toBe(true);
    expect(isKnownSettingName('AzureFunctionsJobHost__functions__3')).toBe(true);
    expect(isKnownSettingName('REDIS_URL')).toBe(false);
  });
});

describe('parseRedisConnectionString', () => {
  it('reads the StackExchange.Redis form the Functions extension uses', () => {
    expect(parseRedisConnectionString('cache.redis.cache.windows.net:6380,password=abc=def,ssl=True,abortConnect=False')).toEqual(
      {
        host: 'cache.redis.cache.windows.net',
        port: 6380,
        password: 'abc=def',
        tls: true,
        db: 0,
      },
    );
  });

  it('defaults the port to 6379', () => {
    expect(parseRedisConnectionString('localhost').port).toBe(6379);
  });
});
