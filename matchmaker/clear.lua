-- Delete a closed room and its messages. ARGV: prefix, user id, room id.
-- Replies: {'gone'} | {'forbidden'} | {'active'} | {'cleared'}
local P, uid, rid = ARGV[1], ARGV[2], ARGV[3]
local rkey = P .. 'r:' .. rid
local r = redis.call('HMGET', rkey, 'state', 'a', 'b')
if not r[1] then return {'gone'} end
if r[2] ~= uid and r[3] ~= uid then return {'forbidden'} end
if r[1] == 'active' then return {'active'} end
redis.call('DEL', rkey, rkey .. ':m', rkey .. ':c', rkey .. ':p')
return {'cleared'}
