--[[
  Queues an index under `sequence`: its place in `queued`, RPUSH on the list (the trigger
  pops from the left, so first in, first out) and a 'queued' event.
  `k` names the keys: queued, tasks, events.
]]
--- @include "addEvent"
local function queueIndex(k, index, sequence)
  redis.call('ZADD', k.queued, sequence, index)
  redis.call('RPUSH', k.tasks, index)
  addEvent(k.events, index, 'queued')
end
