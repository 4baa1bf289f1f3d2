--[[
  Fair use: takes `cost` from one client's budget, a token bucket shared by every api
  replica. The bucket holds up to ARGV[2] and refills at ARGV[3] per second; time is the
  server's (TIME), so replicas' clocks do not matter. An idle bucket expires once it would be
  full again, so idle clients cost no memory.

  Input:
    KEYS[1] the client's budget hash (tokens, at)

    ARGV[1] cost of this request (capped at the capacity, so any single request can pass)
    ARGV[2] capacity
    ARGV[3] refill per second

  Output:
    { 1, 0 } when taken, { 0, ms until the cost is available } when not
]]
local budgetKey = KEYS[1]
local capacity = tonumber(ARGV[2])
local cost = math.min(tonumber(ARGV[1]), capacity)
local rate = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local stored = redis.call('HMGET', budgetKey, 'tokens', 'at')
local tokens = tonumber(stored[1]) or capacity
local at = tonumber(stored[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
local allowed = tokens >= cost
if allowed then tokens = tokens - cost end
redis.call('HSET', budgetKey, 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', budgetKey, math.ceil((capacity - tokens) * 1000 / rate) + 1000)
if allowed then return { 1, 0 } end
return { 0, math.ceil((cost - tokens) * 1000 / rate) }
