--[[
  Ends an index's lease, whoever holds it: its deadline in `leases` and its owner's token.
]]
local function dropLease(leasesKey, leaseOwnersKey, index)
  redis.call('ZREM', leasesKey, index)
  redis.call('HDEL', leaseOwnersKey, index)
end
