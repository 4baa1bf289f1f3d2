--[[
  Puts an index back at the end of the queue under a fresh sequence number (a fresh number
  keeps it out of the requeue timer's "popped but never claimed" check).
  `k` names the keys: queued, tasks, sequence.
]]
local function requeueIndex(k, index)
  local sequence = redis.call('INCR', k.sequence)
  redis.call('ZADD', k.queued, sequence, index)
  redis.call('RPUSH', k.tasks, index)
end
