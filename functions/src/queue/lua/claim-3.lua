--[[
  Takes the leases on indices a worker has just received, unless a value is already known
  (a duplicate delivery), which makes the handler idempotent. Concurrent invocations in
  one worker share one call.

  Input:
    KEYS[1] values hash
    KEYS[2] queued zset
    KEYS[3] leases zset

    ARGV pairs: index, lease deadline (ms since epoch)

  Output:
    one number per index: 1 when the caller should compute the value, 0 when it is known
]]
--- @include "isDone"
local claimed = {}
for i = 1, #ARGV, 2 do
  local index = ARGV[i]
  redis.call('ZREM', KEYS[2], index)
  if isDone(redis.call('HGET', KEYS[1], index)) then
    redis.call('ZREM', KEYS[3], index)
    claimed[#claimed + 1] = 0
  else
    redis.call('ZADD', KEYS[3], ARGV[i + 1], index)
    claimed[#claimed + 1] = 1
  end
end
return claimed
