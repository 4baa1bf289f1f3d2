--[[
  Whether an index is queued or being computed (it has a lease): submitting or replaying it
  must not queue it again. `isPendingScores` is the same rule on
  its scores in `queued` and `leases` already read (false when absent), for a whole batch
  read with ZMSCORE.
]]
local function isPendingScores(queuedScore, leaseScore)
  return queuedScore ~= false or leaseScore ~= false
end

local function isPending(k, index)
  return isPendingScores(redis.call('ZSCORE', k.queued, index), redis.call('ZSCORE', k.leases, index))
end
