--[[
  Takes the leases on indices a worker has just received, unless a value is already stored
  (a duplicate delivery), which makes the handler idempotent. Concurrent invocations in
  one worker share one call.

  Input:
    KEYS[1] value key prefix
    KEYS[2] queued zset
    KEYS[3] leases zset

    ARGV pairs: index, lease deadline (ms since epoch)

  Output:
    one number per index: 1 when the caller should compute the value, 0 when it is stored
]]
--- @include "isDone"
local valuePrefix = KEYS[1]
local queuedKey = KEYS[2]
local leasesKey = KEYS[3]

local claimed = {}
for i = 1, #ARGV, 2 do
  local index = ARGV[i]
  redis.call('ZREM', queuedKey, index)
  if isDone(valuePrefix, index) then
    redis.call('ZREM', leasesKey, index)
    claimed[#claimed + 1] = 0
  else
    redis.call('ZADD', leasesKey, ARGV[i + 1], index)
    claimed[#claimed + 1] = 1
  end
end
return claimed
