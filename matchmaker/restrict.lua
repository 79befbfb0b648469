-- Suspend or ban a user and end their search and room at once.
-- ARGV: prefix, user id, 'suspended'|'banned', until (Unix ms, '0' = for
-- good), room TTL (s). Replies {'ok', room_id, member} (room_id and member
-- are '' unless an active room was closed).
local P, uid, code, untilms = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now = now_ms()
local key = P .. (code == 'banned' and 'ban:' or 'susp:') .. uid
if untilms == '0' then
  redis.call('SET', key, '0')
else
  local ttl = tonumber(untilms) - now
  if ttl < 1 then ttl = 1 end
  redis.call('SET', key, untilms, 'PX', ms(ttl))
end
redis.call('INCR', P .. 'stats:' .. code)

local skey = P .. 's:' .. uid
local st = redis.call('HMGET', skey, 'state', 'room', 'q', 'qm')
if st[1] == 'waiting' then
  dequeue(P, uid, st[3], st[4], 'idle')
elseif st[1] == 'matched' then
  local r = redis.call('HMGET', P .. 'r:' .. st[2], 'state', 'a', 'b', 'ma', 'mb')
  if r[1] == 'active' then
    close_room(P, st[2], r[2], r[3], 'system', now)
    local mine = r[5]
    if r[2] == uid then mine = r[4] end
    return {'ok', st[2], mine}
  end
end
return {'ok', '', ''}
