--[[
  Keeps why an index's deliveries failed: the attempts hash's field "<index>:history" holds a
  JSON array of the last 10 failed attempts, oldest first, each { at, outcome, error? }
  (outcome: 'lease-expired', 'invocation-failed'; 'failed' marks the one that gave it up).
  Bounded per index; removed when the index's value is stored (complete-8).
]]
local maxHistory = 10
local function recordAttempt(attemptsKey, index, at, outcome, errorText)
  local field = index .. ':history'
  local history = {}
  local stored = redis.call('HGET', attemptsKey, field)
  if stored then
    local ok, decoded = pcall(cjson.decode, stored)
    if ok and type(decoded) == 'table' then history = decoded end
  end
  local entry = { at = tonumber(at), outcome = outcome }
  if errorText and errorText ~= '' then entry.error = string.sub(errorText, 1, 300) end
  history[#history + 1] = entry
  while #history > maxHistory do table.remove(history, 1) end
  redis.call('HSET', attemptsKey, field, cjson.encode(history))
end
