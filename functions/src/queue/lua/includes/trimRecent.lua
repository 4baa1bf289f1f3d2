--[[
  Keeps `recent` (newest-first listings) to its newest 100,000 indices, so the listing's
  memory is bounded whatever the number of distinct indices submitted (the full record is the
  Postgres log, GET /api/values/all).
]]
local function trimRecent(recentKey)
  redis.call('ZREMRANGEBYRANK', recentKey, 0, -100001)
end
