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
local statuses = {}
-- One INCRBY and one ZADD for the whole call (the same numbers as one INCR and one ZADD per
-- index, in order): fewer commands on the master and fewer effects for the replica to apply.
local first = redis.call('INCRBY', KEYS[6], #ARGV) - #ARGV
local recent = {}
for i, index in ipairs(ARGV) do
  local sequence = first + i
  recent[2 * i - 1] = sequence
  recent[2 * i] = index
  if isDone(redis.call('HGET', KEYS[1], index)) then
    statuses[i] = 'done'
  elseif isPending(k, index) then
    statuses[i] = 'queued'
  else
    -- New, or failed earlier: a fresh submission gets a fresh set of attempts.
    redis.call('ZREM', KEYS[4], index)
    redis.call('HDEL', KEYS[8], index)
    queueIndex(k, index, sequence)
    statuses[i] = 'queued'
  end
end
-- A repeated index keeps its last sequence, as ZADD applies the pairs in order.
if #recent > 0 then redis.call('ZADD', KEYS[5], unpack(recent)) end
return statuses
