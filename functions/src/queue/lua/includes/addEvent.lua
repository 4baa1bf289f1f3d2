--[[
  Appends a status change to the events stream (read by GET /api/events), capped near
  10,000 entries (MAXLEN ~ trims whole macro nodes, so it is cheap).
]]
local function addEvent(eventsKey, index, status)
  redis.call('XADD', eventsKey, 'MAXLEN', '~', 10000, '*', 'index', index, 'status', status)
end
