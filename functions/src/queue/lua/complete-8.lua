--[[
  Stores computed values and clears every pending trace of their indices. Storing the same
  value twice is harmless: the first completion wins and later ones change nothing.
  Concurrent invocations in one worker share one call.

  Input:
    KEYS[1] values hash        KEYS[5] attempts hash
    KEYS[2] queued zset        KEYS[6] metadata hash
    KEYS[3] leases zset        KEYS[7] display hash
    KEYS[4] failed zset        KEYS[8] events stream

    ARGV groups of four:
      index
      decimal value
      metadata JSON: { digits, computedMs, completedAt }
      the value as lists show it (shortened when huge)

  Output:
    one number per index: 1 when this call stored the value, 0 when it was already known
]]
--- @include "isDone"
--- @include "addEvent"
local stored = {}
for i = 1, #ARGV, 4 do
  local index = ARGV[i]
  local known = isDone(redis.call('HGET', KEYS[1], index))
  redis.call('ZREM', KEYS[2], index)
  redis.call('ZREM', KEYS[3], index)
  redis.call('ZREM', KEYS[4], index)
  redis.call('HDEL', KEYS[5], index)
  if known then
    stored[#stored + 1] = 0
  else
    redis.call('HSET', KEYS[1], index, ARGV[i + 1])
    redis.call('HSET', KEYS[6], index, ARGV[i + 2])
    redis.call('HSET', KEYS[7], index, ARGV[i + 3])
    addEvent(KEYS[8], index, 'done')
    stored[#stored + 1] = 1
  end
end
return stored
