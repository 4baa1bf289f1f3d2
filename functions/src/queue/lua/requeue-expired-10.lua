--[[
  Makes delivery at-least-once. The list trigger pops entries before any handler runs, so
  a worker that dies in between, or mid-compute, would lose them. This script:
  1. finds indices popped but never claimed: the list is FIFO, so every queued index whose
     sequence number is below the list head's has left the list; it gets a lease of
     ARGV[2] ms to be claimed in;
  2. requeues indices whose lease expired (RPUSH), counting an attempt, as a failed
     invocation does (the retry rule, retryOrFail); at ARGV[3] attempts the index moves to
     the failed set instead. An expired lease loses its owner: its old worker can no longer
     renew it.

  Input:
    KEYS[1] tasks list         KEYS[6] value key prefix
    KEYS[2] queued zset        KEYS[7] sequence counter
    KEYS[3] leases zset        KEYS[8] counters hash
    KEYS[4] attempts hash      KEYS[9] events stream
    KEYS[5] failed zset        KEYS[10] lease owners hash

    ARGV[1] now, ms since epoch
    ARGV[2] lease length, ms
    ARGV[3] max attempts (expired leases and failed invocations)
    ARGV[4] most indices to handle per step in one call

  Output:
    { popped-unclaimed found, requeued, failed }
]]
--- @include "isDone"
--- @include "dropLease"
--- @include "setLease"
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
local now = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
local maxAttempts = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])

local bound = nil
local head = redis.call('LINDEX', tasksKey, 0)
if not head then
  bound = '+inf'
else
  local headSequence = redis.call('ZSCORE', queuedKey, head)
  -- A head that is not in `queued` is a stale duplicate; wait until it has been popped.
  if headSequence then
    bound = '(' .. headSequence
  end
end

local found = 0
if bound then
  local popped = redis.call('ZRANGEBYSCORE', queuedKey, '-inf', bound, 'LIMIT', 0, limit)
  for _, index in ipairs(popped) do
    redis.call('ZREM', queuedKey, index)
    -- No owner: whichever worker popped it may still claim it (or give it back).
    setLease(leasesKey, leaseOwnersKey, index, now + leaseMs, nil)
    found = found + 1
  end
end

local requeued = 0
local failed = 0
local expired = redis.call('ZRANGEBYSCORE', leasesKey, '-inf', now, 'LIMIT', 0, limit)
for _, index in ipairs(expired) do
  dropLease(leasesKey, leaseOwnersKey, index)
  if not isDone(valuePrefix, index) then
    redis.call('HINCRBY', countersKey, 'leaseExpired', 1)
    local stalled = 'lease expired: the worker stopped or stalled'
    if retryOrFail(k, attemptsKey, index, now, maxAttempts, 'lease-expired', stalled) then
      failed = failed + 1
    else
      requeued = requeued + 1
    end
  end
end
return { found, requeued, failed }
