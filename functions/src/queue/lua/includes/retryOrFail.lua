--[[
  The retry rule, for an expired lease and a failed invocation alike: counts an attempt, and at
  `maxAttempts` gives the index up (failIndex), else requeues it (requeueIndex); either way the
  attempt goes into its history (recordAttempt), as 'failed' or as `outcome`. Returns true when
  the index failed for good. `k` names the keys: tasks, queued, sequence, failed, events.
]]
--- @include "recordAttempt"
--- @include "failIndex"
--- @include "requeueIndex"
local function retryOrFail(k, attemptsKey, index, now, maxAttempts, outcome, errorText)
  if redis.call('HINCRBY', attemptsKey, index, 1) >= maxAttempts then
    recordAttempt(attemptsKey, index, now, 'failed', errorText)
    failIndex(k, index, now)
    return true
  end
  recordAttempt(attemptsKey, index, now, outcome, errorText)
  requeueIndex(k, index)
  return false
end
