--[[
  Takes the leases on indices a worker has just received, unless a value is already stored
  (a duplicate delivery), which makes the handler idempotent. Each lease records the claiming
  worker's lease token: only that worker may renew it (renew-leases-2). Concurrent invocations
  in one worker share one call.

  Input:
    KEYS[1] value key prefix
    KEYS[2] queued zset
    KEYS[3] leases zset
    KEYS[4] lease owners hash

    ARGV[1] the claiming worker's lease token
    ARGV pairs from 2: index, lease deadline (ms since epoch)

  Output:
    one number per index: 1 when the caller should compute the value, 0 when it is stored
]]
--- @include "isDone"
--- @include "dropLease"
--- @include "setLease"
local valuePrefix = KEYS[1]
local queuedKey = KEYS[2]
local leasesKey = KEYS[3]
local leaseOwnersKey = KEYS[4]

local token = ARGV[1]
local claimed = {}
for i = 2, #ARGV, 2 do
  local index = ARGV[i]
  redis.call('ZREM', queuedKey, index)
  if isDone(valuePrefix, index) then
    dropLease(leasesKey, leaseOwnersKey, index)
    claimed[#claimed + 1] = 0
  else
    setLease(leasesKey, leaseOwnersKey, index, ARGV[i + 1], token)
    claimed[#claimed + 1] = 1
  end
end
return claimed
