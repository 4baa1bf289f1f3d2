--[[
  Whether a `values` entry holds a computed value: HGET gives false when the field is
  absent, and 'Nothing yet!' is the workshop's placeholder for an index still queued.
]]
local function isDone(value)
  return value ~= false and value ~= nil and value ~= 'Nothing yet!'
end
