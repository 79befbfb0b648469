-- Close a room. ARGV: prefix, user id, room id, rematch cooldown (s),
-- room TTL (s), who closed it ('' = the user), block ('1' = never match
-- these two again; also works on a room that is already closed).
-- Replies: {'not_found'} | {'forbidden'} | {'already', member} | {'closed', member}
local P, uid, rid = ARGV[1], ARGV[2], ARGV[3]
local rkey = P .. 'r:' .. rid
local r = redis.call('HMGET', rkey, 'state', 'a', 'b', 'ma', 'mb')
if not r[1] then return {'not_found'} end
local mine
if r[2] == uid then mine = r[4] elseif r[3] == uid then mine = r[5] else return {'forbidden'} end
local a, b = r[2], r[3]
if b < a then a, b = b, a end
if ARGV[7] == '1' then redis.call('SET', P .. 'bl:' .. a .. ':' .. b, '1') end
if r[1] ~= 'active' then return {'already', mine} end

local by = ARGV[6]
if by == '' then by = uid end
close_room(P, rid, r[2], r[3], by, now_ms())
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', P .. 'cd:' .. a .. ':' .. b, '1', 'EX', ARGV[4])
end
for _, k in ipairs({rkey, rkey .. ':m', rkey .. ':c', rkey .. ':p'}) do
  redis.call('EXPIRE', k, ARGV[5])
end
return {'closed', mine}
