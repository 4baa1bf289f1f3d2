--[[
  Whether an index is queued, being computed, or given up on: Redis knows about it, so
  submitting or replaying it must not queue it again.
]]
local function isPending(k, index)
  return redis.call('ZSCORE', k.queued, index) ~= false
    or redis.call('ZSCORE', k.leases, index) ~= false
end
