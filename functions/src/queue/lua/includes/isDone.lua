--[[
  Whether an index's value is stored: its value key (`<valuePrefix><index>`) exists. Value
  keys are the only evictable keys (they carry a TTL; maxmemory-policy volatile-lru), so a
  value Redis dropped under its memory cap reads as not done and is computed again when asked.
  Built from the prefix as BullMQ builds job keys (standalone Redis; not cluster-safe).
]]
local function isDone(valuePrefix, index)
  return redis.call('EXISTS', valuePrefix .. index) == 1
end
