--[[
  Records submissions of indices and queues each one unless its value is known or it is
  already queued or computing. One call is atomic, so a crash never leaves half a change.

  Input:
    KEYS[1] values hash        KEYS[6] sequence counter
    KEYS[2] queued zset        KEYS[7] tasks list
    KEYS[3] leases zset        KEYS[8] attempts hash
    KEYS[4] failed zset        KEYS[9] events stream
    KEYS[5] recent zset

    ARGV[1..n] indices in canonical form ("7")

  Output:
    one status per index: 'done' (value known) or 'queued' (queued now or already pending)
]]
--- @include "isDone"
--- @include "isPending"
--- @include "queueIndex"
local k = { values = KEYS[1], queued = KEYS[2], leases = KEYS[3], tasks = KEYS[7], events = KEYS[9] }
local n = #ARGV
if n == 0 then return {} end
-- Every lookup is one command for the whole call (HMGET, ZMSCORE) and so are the sequence
-- numbers (INCRBY) and the `recent` scores (ZADD): ~40 fewer commands per call of 20
-- submissions than one of each per index, on the master and in what the replica applies.
local first = redis.call('INCRBY', KEYS[6], n) - n
local values = redis.call('HMGET', KEYS[1], unpack(ARGV))
local queuedScores = redis.call('ZMSCORE', KEYS[2], unpack(ARGV))
local leaseScores = redis.call('ZMSCORE', KEYS[3], unpack(ARGV))
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
  elseif isDone(values[i]) then
    statuses[i] = 'done'
  elseif isPendingScores(queuedScores[i], leaseScores[i]) then
    statuses[i] = 'queued'
  else
    -- New, or failed earlier: a fresh submission gets a fresh set of attempts.
    redis.call('ZREM', KEYS[4], index)
    redis.call('HDEL', KEYS[8], index)
    queueIndex(k, index, sequence)
    statuses[i] = 'queued'
  end
  answered[index] = statuses[i]
end
-- A repeated index keeps its last sequence, as ZADD applies the pairs in order.
redis.call('ZADD', KEYS[5], unpack(recent))
return statuses
