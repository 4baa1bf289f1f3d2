--[[
  A worker hands tasks back at once instead of letting their leases expire: entries it
  popped but will not start (it already holds as much work as it can finish well within its
  lease), and invocations that failed. A failure counts as an attempt; after ARGV[1]
  attempts the index moves to `failed`.

  Input:
    KEYS[1] tasks list         KEYS[6] value key prefix
    KEYS[2] queued zset        KEYS[7] sequence counter
    KEYS[3] leases zset        KEYS[8] counters hash
    KEYS[4] attempts hash      KEYS[9] events stream
    KEYS[5] failed zset

    ARGV[1] max attempts
    ARGV[2] now, ms since epoch
    ARGV pairs from 3: index, 0 when handed back unstarted, else its invocation failed: 1 or
                       the error's message (kept in the index's history, recordAttempt)

  Output:
    { given back, failed for good }
]]
--- @include "isDone"
--- @include "failIndex"
--- @include "requeueIndex"
--- @include "recordAttempt"
local tasksKey = KEYS[1]
local queuedKey = KEYS[2]
local leasesKey = KEYS[3]
local attemptsKey = KEYS[4]
local failedKey = KEYS[5]
local valuePrefix = KEYS[6]
local sequenceKey = KEYS[7]
local countersKey = KEYS[8]
local eventsKey = KEYS[9]

local k = { tasks = tasksKey, queued = queuedKey, failed = failedKey, sequence = sequenceKey, events = eventsKey }
local maxAttempts = tonumber(ARGV[1])
local givenBack = 0
local failed = 0
for i = 3, #ARGV, 2 do
  local index = ARGV[i]
  local invocationFailed = ARGV[i + 1] ~= '0'
  redis.call('ZREM', leasesKey, index)
  if invocationFailed then
    redis.call('HINCRBY', countersKey, 'invocationFailed', 1)
  end
  local errorText = nil
  if invocationFailed and ARGV[i + 1] ~= '1' then errorText = ARGV[i + 1] end
  if isDone(valuePrefix, index) then
    redis.call('ZREM', queuedKey, index)
  elseif invocationFailed and redis.call('HINCRBY', attemptsKey, index, 1) >= maxAttempts then
    redis.call('ZREM', queuedKey, index)
    recordAttempt(attemptsKey, index, ARGV[2], 'failed', errorText)
    failIndex(k, index, ARGV[2])
    failed = failed + 1
  else
    if invocationFailed then recordAttempt(attemptsKey, index, ARGV[2], 'invocation-failed', errorText) end
    requeueIndex(k, index)
    redis.call('HINCRBY', countersKey, 'givenBack', 1)
    givenBack = givenBack + 1
  end
end
return { givenBack, failed }
