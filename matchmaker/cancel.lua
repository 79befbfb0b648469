-- Cancel a waiting search. ARGV: prefix, user id.
-- Replies: {'cancelled'} | {'idle'} | {'matched', room_id}
local P, uid = ARGV[1], ARGV[2]
local skey = P .. 's:' .. uid
local st = redis.call('HMGET', skey, 'state', 'room', 'q', 'qm')
if st[1] == 'waiting' then
  dequeue(P, uid, st[3], st[4], 'idle')
  return {'cancelled'}
end
if st[1] == 'matched' and redis.call('HGET', P .. 'r:' .. st[2], 'state') == 'active' then
  return {'matched', st[2]}
end
if st[1] == 'expired' then redis.call('HSET', skey, 'state', 'idle') end
return {'idle'}
