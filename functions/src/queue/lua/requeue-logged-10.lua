--[[
  Replays a page of the Postgres log into Redis: queues every logged index that Redis knows
  nothing about (no value, never computed, not queued, computing or failed), which rebuilds
  the queue after Redis lost its data, and queues submissions whose enqueue failed after they
  were logged. A value Redis dropped under its memory cap (its `computed` bit is still set) is
  not queued: it is computed again when someone asks for it, so the replay never starts a
  drop/recompute loop. Then advances the replay cursor (never backwards: every api replica
  runs it).
  With ARGV[2] = 'drop' (a rebuild past the values its memory cap holds, log-replay.ts) an
  unknown index is not queued but recorded as computed and dropped (its `computed` bit, no
  value): it lists as `dropped` and is computed again when someone reads or submits it.

  Input:
    KEYS[1] value key prefix   KEYS[6] sequence counter
    KEYS[2] queued zset        KEYS[7] tasks list
    KEYS[3] leases zset        KEYS[8] replay cursor (id of the last log row replayed)
    KEYS[4] failed zset        KEYS[9] events stream
    KEYS[5] recent zset        KEYS[10] computed bitmap

    ARGV[1] id of the page's last row (a log row id, or an id of the distinct-index table)
    ARGV[2] 'queue' or 'drop': what to do with an index Redis knows nothing about
    ARGV[3..n] the page's indices, oldest first

  Output:
    how many indices were queued (or, with 'drop', recorded as dropped)
]]
--- @include "isDone"
--- @include "isPending"
--- @include "queueIndex"
--- @include "trimRecent"
local valuePrefix = KEYS[1]
local queuedKey = KEYS[2]
local leasesKey = KEYS[3]
local failedKey = KEYS[4]
local recentKey = KEYS[5]
local sequenceKey = KEYS[6]
local tasksKey = KEYS[7]
local replayCursorKey = KEYS[8]
local eventsKey = KEYS[9]
local computedKey = KEYS[10]

local k = { queued = queuedKey, leases = leasesKey, tasks = tasksKey, events = eventsKey }
local dropUnknown = ARGV[2] == 'drop'
local queued = 0
for i = 3, #ARGV do
  local index = ARGV[i]
  if redis.call('GETBIT', computedKey, index) == 0
    and not isDone(valuePrefix, index)
    and not isPending(k, index)
    and redis.call('ZSCORE', failedKey, index) == false then
    local sequence = redis.call('INCR', sequenceKey)
    redis.call('ZADD', recentKey, 'NX', sequence, index)
    if dropUnknown then
      redis.call('SETBIT', computedKey, index, 1)
    else
      queueIndex(k, index, sequence)
    end
    queued = queued + 1
  end
end
trimRecent(recentKey)
local cursor = tonumber(redis.call('GET', replayCursorKey) or '0')
if tonumber(ARGV[1]) > cursor then
  redis.call('SET', replayCursorKey, ARGV[1])
end
return queued
