--[[
  Gives an index a lease until `deadline` (ms since epoch) held by the worker whose lease token
  is `owner`; with no owner (nil) the lease is unowned: whichever worker popped the index may
  still claim it, and no worker can renew it (renew-leases-2).
]]
local function setLease(leasesKey, leaseOwnersKey, index, deadline, owner)
  redis.call('ZADD', leasesKey, deadline, index)
  if owner then
    redis.call('HSET', leaseOwnersKey, index, owner)
  else
    redis.call('HDEL', leaseOwnersKey, index)
  end
end
