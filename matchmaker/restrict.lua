-- Suspend or ban a user and end their search and room at once.
-- ARGV: prefix, user id, 'suspended'|'banned', until (Unix ms, '0' = for
-- good), room TTL (s). Replies {'ok', room_id, member} (room_id and member
-- are '' unless an active room was closed).
local P, uid, code, untilms = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = P .. (code == 'banned' and 'ban:' or 'susp:') .. uid
if untilms == '0' then
  redis.call('SET', key, '0')
else
  local ttl = tonumber(untilms) - now
  if ttl < 1 then ttl = 1 end
  redis.call('SET', key, untilms, 'PX', string.format('%.0f', ttl))
end
redis.call('INCR', P .. 'stats:' .. code)

local skey = P .. 's:' .. uid
local st = redis.call('HMGET', skey, 'state', 'room', 'q', 'qm')
if st[1] == 'waiting' then
  redis.call('ZREM', st[3], st[4])
  redis.call('ZREM', P .. 'waiting', uid)
  redis.call('HSET', skey, 'state', 'idle')
elseif st[1] == 'matched' then
  local rkey = P .. 'r:' .. st[2]
  local r = redis.call('HMGET', rkey, 'state', 'a', 'b', 'ma', 'mb')
  if r[1] == 'active' then
    redis.call('HSET', rkey, 'state', 'closed', 'closed_at', string.format('%.0f', now), 'closed_by', 'system')
    redis.call('ZREM', P .. 'active', st[2])
    for _, m in ipairs({r[2], r[3]}) do
      local sk = P .. 's:' .. m
      if redis.call('HGET', sk, 'room') == st[2] then redis.call('HSET', sk, 'state', 'idle', 'room', '') end
    end
    local mine = r[5]
    if r[2] == uid then mine = r[4] end
    return {'ok', st[2], mine}
  end
end
return {'ok', '', ''}
