--[[
  Gives an index up after its last attempt: into `failed` (scored by the time) with a
  'failed' event. `k` names the keys: failed, events.
]]
--- @include "addEvent"
local function failIndex(k, index, now)
  redis.call('ZADD', k.failed, now, index)
  addEvent(k.events, index, 'failed')
end
