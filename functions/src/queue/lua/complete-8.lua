--[[
  Stores computed values and clears every pending trace of their indices. Storing the same
  value twice is harmless: the first completion wins and later ones change nothing. So is a
  value from a worker whose lease was taken over (F(n) is the same whoever computes it): it is
  stored, and the index's lease, whoever holds it, is over since nothing is left to compute.
  Concurrent invocations in one worker share one call. Each value is its own key with a TTL:
  the one kind of key Redis may evict under its memory cap (volatile-lru).

  Input:
    KEYS[1] value key prefix   KEYS[5] attempts hash
    KEYS[2] queued zset        KEYS[6] computed bitmap
    KEYS[3] leases zset        KEYS[7] events stream
    KEYS[4] failed zset        KEYS[8] lease owners hash

    ARGV[1] value TTL, ms
    ARGV pairs from 2: index, stored value (fib/stored-value.ts)

  Output:
    one number per index: 1 when this call stored the value, 0 when it was already stored
]]
--- @include "isDone"
--- @include "addEvent"
--- @include "dropLease"
local valuePrefix = KEYS[1]
local queuedKey = KEYS[2]
local leasesKey = KEYS[3]
local failedKey = KEYS[4]
local attemptsKey = KEYS[5]
local computedKey = KEYS[6]
local eventsKey = KEYS[7]
local leaseOwnersKey = KEYS[8]

local ttlMs = ARGV[1]
local stored = {}
for i = 2, #ARGV, 2 do
  local index = ARGV[i]
  redis.call('ZREM', queuedKey, index)
  dropLease(leasesKey, leaseOwnersKey, index)
  redis.call('ZREM', failedKey, index)
  redis.call('HDEL', attemptsKey, index, index .. ':history')
  if isDone(valuePrefix, index) then
    stored[#stored + 1] = 0
  else
    redis.call('SET', valuePrefix .. index, ARGV[i + 1], 'PX', ttlMs)
    redis.call('SETBIT', computedKey, index, 1)
    addEvent(eventsKey, index, 'done')
    stored[#stored + 1] = 1
  end
end
return stored
