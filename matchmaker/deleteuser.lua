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
  dequeue(P, uid, st[3], st[4], 'idle')
elseif st[1] == 'matched' then
  local r = redis.call('HMGET', P .. 'r:' .. st[2], 'state', 'a', 'b', 'ma', 'mb')
  if r[1] == 'active' then
    close_room(P, st[2], r[2], r[3], uid, now_ms())
    mine = r[5]
    if r[2] == uid then mine = r[4] end
    rid = st[2]
  end
end
if redis.call('EXISTS', P .. 'u:' .. uid) == 0 then return {'none'} end
redis.call('DEL', P .. 'u:' .. uid, skey, P .. 'onb:' .. tg)
return {'deleted', uid, rid, mine}
