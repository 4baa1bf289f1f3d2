--[[
  Takes the lease on an index a worker has just received, unless its value is already
  known (a duplicate delivery), which makes the handler idempotent.

  Input:
    KEYS[1] values hash
    KEYS[2] queued zset
    KEYS[3] leases zset

    ARGV[1] index
    ARGV[2] lease deadline, ms since epoch

  Output:
    1 when the caller should compute the value, 0 when it is already known
]]
local value = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if value and value ~= 'Nothing yet!' then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
