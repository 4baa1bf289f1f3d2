--[[
  Records submissions of indices and queues each one unless its value is stored or it is
  already queued or computing. A value Redis dropped under its memory cap is queued again:
  a submission asks for it. One call is atomic, so a crash never leaves half a change.

  Input:
    KEYS[1] value key prefix   KEYS[6] sequence counter
    KEYS[2] queued zset        KEYS[7] tasks list
    KEYS[3] leases zset        KEYS[8] attempts hash
    KEYS[4] failed zset        KEYS[9] events stream
    KEYS[5] recent zset

    ARGV[1..n] indices in canonical form ("7")

  Output:
    one status per index: 'done' (value stored) or 'queued' (queued now or already pending)
]]
--- @include "isDone"
--- @include "isPending"
--- @include "queueIndex"
--- @include "trimRecent"
local valuePrefix = KEYS[1]
local queuedKey = KEYS[2]
local leasesKey = KEYS[3]
local failedKey = KEYS[4]
local recentKey = KEYS[5]
local sequenceKey = KEYS[6]
local tasksKey = KEYS[7]
local attemptsKey = KEYS[8]
local eventsKey = KEYS[9]

local k = { queued = queuedKey, leases = leasesKey, tasks = tasksKey, events = eventsKey }
local n = #ARGV
if n == 0 then return {} end
-- Lookups of the queue are one command for the whole call (ZMSCORE) and so are the
-- sequence numbers (INCRBY) and the `recent` scores (ZADD).
local first = redis.call('INCRBY', sequenceKey, n) - n
local queuedScores = redis.call('ZMSCORE', k.queued, unpack(ARGV))
local leaseScores = redis.call('ZMSCORE', k.leases, unpack(ARGV))
local statuses = {}
local recent = {}
-- An index submitted twice in one call: its second submission finds what the first left.
local answered = {}
for i, index in ipairs(ARGV) do
  local sequence = first + i
  recent[2 * i - 1] = sequence
  recent[2 * i] = index
  if answered[index] then
    statuses[i] = answered[index]
  elseif isDone(valuePrefix, index) then
    statuses[i] = 'done'
  elseif isPendingScores(queuedScores[i], leaseScores[i]) then
    statuses[i] = 'queued'
  else
    -- New, dropped, or failed earlier: a fresh submission gets a fresh set of attempts.
    redis.call('ZREM', failedKey, index)
    redis.call('HDEL', attemptsKey, index)
    queueIndex(k, index, sequence)
    statuses[i] = 'queued'
  end
  answered[index] = statuses[i]
end
-- A repeated index keeps its last sequence, as ZADD applies the pairs in order.
redis.call('ZADD', recentKey, unpack(recent))
trimRecent(recentKey)
return statuses
