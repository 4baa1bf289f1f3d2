--[[
  A worker hands tasks back at once instead of letting their leases expire: entries it
  popped but will not start (it already holds as much work as it can finish well within its
  lease), and invocations that failed. A failed invocation counts as an attempt, as an
  expired lease does (the retry rule, retryOrFail); at ARGV[1] attempts the index moves to
  `failed`.
  A task whose lease is now recorded under another worker's token (this worker's lease
  expired and another claimed it) is that worker's: it is left alone, and only the failure
  is counted.

  Input:
    KEYS[1] tasks list         KEYS[6] value key prefix
    KEYS[2] queued zset        KEYS[7] sequence counter
    KEYS[3] leases zset        KEYS[8] counters hash
    KEYS[4] attempts hash      KEYS[9] events stream
    KEYS[5] failed zset        KEYS[10] lease owners hash

    ARGV[1] max attempts (expired leases and failed invocations)
    ARGV[2] now, ms since epoch
    ARGV[3] the caller's lease token
    ARGV pairs from 4: index, 0 when handed back unstarted, else its invocation failed: 1 or
                       the error's message (kept in the index's history, recordAttempt)

  Output:
    { given back, failed for good }
]]
--- @include "isDone"
--- @include "dropLease"
--- @include "requeueIndex"
--- @include "retryOrFail"
local tasksKey = KEYS[1]
local queuedKey = KEYS[2]
local leasesKey = KEYS[3]
local attemptsKey = KEYS[4]
local failedKey = KEYS[5]
local valuePrefix = KEYS[6]
local sequenceKey = KEYS[7]
local countersKey = KEYS[8]
local eventsKey = KEYS[9]
local leaseOwnersKey = KEYS[10]

local k = { tasks = tasksKey, queued = queuedKey, failed = failedKey, sequence = sequenceKey, events = eventsKey }
local maxAttempts = tonumber(ARGV[1])
local now = ARGV[2]
local token = ARGV[3]
local givenBack = 0
local failed = 0
for i = 4, #ARGV, 2 do
  local index = ARGV[i]
  local invocationFailed = ARGV[i + 1] ~= '0'
  if invocationFailed then
    redis.call('HINCRBY', countersKey, 'invocationFailed', 1)
  end
  local owner = redis.call('HGET', leaseOwnersKey, index)
  local takenOver = owner and owner ~= token and redis.call('ZSCORE', leasesKey, index)
  if not takenOver then
    dropLease(leasesKey, leaseOwnersKey, index)
    local errorText = nil
    if invocationFailed and ARGV[i + 1] ~= '1' then errorText = ARGV[i + 1] end
    if isDone(valuePrefix, index) then
      redis.call('ZREM', queuedKey, index)
    elseif invocationFailed
      and retryOrFail(k, attemptsKey, index, now, maxAttempts, 'invocation-failed', errorText) then
      redis.call('ZREM', queuedKey, index)
      failed = failed + 1
    else
      -- A failed invocation was requeued by retryOrFail; one handed back unstarted made no attempt.
      if not invocationFailed then requeueIndex(k, index) end
      redis.call('HINCRBY', countersKey, 'givenBack', 1)
      givenBack = givenBack + 1
    end
  end
end
return { givenBack, failed }
