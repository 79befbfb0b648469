-- Delete a user's profile and their search and room state. ARGV: prefix,
-- telegram id, room TTL (s). The Telegram id -> internal id mapping stays
-- (it holds nothing else), so blocks and bans outlive a deletion and a
-- blocked person cannot come back by re-registering. Replies: {'none'} | {'deleted', user_id, room_id, member}
-- (room_id and member are '' unless an active room was closed).
local P, tg = ARGV[1], ARGV[2]
local uid = redis.call('GET', P .. 'tg:' .. tg)
if not uid then return {'none'} end
local skey = P .. 's:' .. uid
local st = redis.call('HMGET', skey, 'state', 'room', 'q', 'qm')
local rid, mine = '', ''
if st[1] == 'waiting' then
  redis.call('ZREM', st[3], st[4])
  redis.call('ZREM', P .. 'waiting', uid)
elseif st[1] == 'matched' then
  local rkey = P .. 'r:' .. st[2]
  local r = redis.call('HMGET', rkey, 'state', 'a', 'b', 'ma', 'mb')
  if r[1] == 'active' then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('HSET', rkey, 'state', 'closed', 'closed_at', string.format('%.0f', now), 'closed_by', uid)
    redis.call('ZREM', P .. 'active', st[2])
    local other = r[2]
    mine = r[5]
    if r[2] == uid then other, mine = r[3], r[4] end
    local osk = P .. 's:' .. other
    if redis.call('HGET', osk, 'room') == st[2] then redis.call('HSET', osk, 'state', 'idle', 'room', '') end
    rid = st[2]
  end
end
if redis.call('EXISTS', P .. 'u:' .. uid) == 0 then return {'none'} end
redis.call('DEL', P .. 'u:' .. uid, skey, P .. 'onb:' .. tg)
return {'deleted', uid, rid, mine}
