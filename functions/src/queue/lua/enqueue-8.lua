--[[
  Records submissions of indices and queues each one unless its value is known or it is
  already queued or computing. One call is atomic, so a crash never leaves half a change.

  Input:
    KEYS[1] values hash        KEYS[5] recent zset
    KEYS[2] queued zset        KEYS[6] sequence counter
    KEYS[3] leases zset        KEYS[7] tasks list
    KEYS[4] failed zset        KEYS[8] attempts hash

    ARGV[1..n] indices in canonical form ("7")

  Output:
    one status per index: 'done' (value known) or 'queued' (queued now or already pending)
]]
local statuses = {}
for i, index in ipairs(ARGV) do
  local sequence = redis.call('INCR', KEYS[6])
  redis.call('ZADD', KEYS[5], sequence, index)
  local value = redis.call('HGET', KEYS[1], index)
  if value and value ~= 'Nothing yet!' then
    statuses[i] = 'done'
  elseif redis.call('ZSCORE', KEYS[2], index) or redis.call('ZSCORE', KEYS[3], index) then
    statuses[i] = 'queued'
  else
    -- New, or failed earlier: a fresh submission gets a fresh set of attempts.
    redis.call('ZREM', KEYS[4], index)
    redis.call('HDEL', KEYS[8], index)
    redis.call('HSET', KEYS[1], index, 'Nothing yet!')
    redis.call('ZADD', KEYS[2], sequence, index)
    -- RPUSH because the list trigger pops from the left: first in, first out.
    redis.call('RPUSH', KEYS[7], index)
    statuses[i] = 'queued'
  end
end
return statuses
