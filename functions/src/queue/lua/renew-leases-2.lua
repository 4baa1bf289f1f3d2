--[[
  Extends the leases a worker still holds: an index's lease is renewed only while it exists
  (a finished or expired one is not brought back) and its recorded owner is the caller, so a
  worker whose lease expired and was claimed by another never extends the new owner's lease.

  Input:
    KEYS[1] leases zset
    KEYS[2] lease owners hash

    ARGV[1] the caller's lease token
    ARGV[2] the new lease deadline (ms since epoch)
    ARGV[3..n] indices

  Output:
    one number per index: 1 when its lease was renewed, 0 when the caller does not hold it
]]
local leasesKey = KEYS[1]
local leaseOwnersKey = KEYS[2]

local token = ARGV[1]
local deadline = ARGV[2]
local renewed = {}
for i = 3, #ARGV do
  local index = ARGV[i]
  if redis.call('HGET', leaseOwnersKey, index) == token and redis.call('ZSCORE', leasesKey, index) then
    redis.call('ZADD', leasesKey, 'XX', deadline, index)
    renewed[#renewed + 1] = 1
  else
    renewed[#renewed + 1] = 0
  end
end
return renewed
