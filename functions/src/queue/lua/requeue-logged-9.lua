--[[
  Replays a page of the Postgres submissions log into Redis: queues every logged index that
  Redis knows nothing about (no value, not queued, computing or failed), which rebuilds the
  queue after Redis lost its data, and queues submissions whose enqueue failed after they
  were logged. Then advances the replay cursor (never backwards: every api replica runs it).

  Input:
    KEYS[1] values hash        KEYS[6] sequence counter
    KEYS[2] queued zset        KEYS[7] tasks list
    KEYS[3] leases zset        KEYS[8] replay cursor (id of the last log row replayed)
    KEYS[4] failed zset        KEYS[9] events stream
    KEYS[5] recent zset

    ARGV[1] id of the page's last row
    ARGV[2..n] the page's indices, oldest first

  Output:
    how many indices were queued
]]
--- @include "isDone"
--- @include "isPending"
--- @include "queueIndex"
local k = { values = KEYS[1], queued = KEYS[2], leases = KEYS[3], tasks = KEYS[7], events = KEYS[9] }
local queued = 0
for i = 2, #ARGV do
  local index = ARGV[i]
  if not isDone(redis.call('HGET', KEYS[1], index))
    and not isPending(k, index)
    and redis.call('ZSCORE', KEYS[4], index) == false then
    local sequence = redis.call('INCR', KEYS[6])
    redis.call('ZADD', KEYS[5], 'NX', sequence, index)
    queueIndex(k, index, sequence)
    queued = queued + 1
  end
end
local cursor = tonumber(redis.call('GET', KEYS[8]) or '0')
if tonumber(ARGV[1]) > cursor then
  redis.call('SET', KEYS[8], ARGV[1])
end
return queued
