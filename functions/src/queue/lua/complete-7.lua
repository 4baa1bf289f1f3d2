--[[
  Stores a computed value and clears every pending trace of its index. Storing the same
  value twice is harmless: the first completion wins and later ones change nothing.

  Input:
    KEYS[1] values hash        KEYS[4] failed zset
    KEYS[2] queued zset        KEYS[5] attempts hash
    KEYS[3] leases zset        KEYS[6] results hash
                               KEYS[7] display hash

    ARGV[1] index
    ARGV[2] decimal value
    ARGV[3] result JSON: { digits, computedMs, completedAt }
    ARGV[4] the value as lists show it (shortened when huge)

  Output:
    1 when this call stored the value, 0 when it was already known
]]
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
if old and old ~= 'Nothing yet!' then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[6], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[7], ARGV[1], ARGV[4])
return 1
