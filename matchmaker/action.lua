-- A member's small action in a room: typing or a read marker. Membership,
-- the room's state, the member's rate limit and the marker in one step.
-- ARGV: 1 caller's Telegram id, 2 'typing' | 'read', 3 rate interval (ms),
-- 4 rate burst, 5 read up to (a message id; read only).
-- Replies: {'not_found'} | {'forbidden'} | {'room_closed'} (typing only)
--        | {'rate_limited', retry_ms}
--        | {'ok', member, read marker after the call, changed (0|1)}
local r = redis.call('HMGET', ROOM, 'state', 'ta', 'tb', 'ma', 'mb', 'seq')
if not r[1] then return {'not_found'} end
local tg = ARGV[1]
local mine
if tg ~= '' and r[2] == tg then mine = r[4] elseif tg ~= '' and r[3] == tg then mine = r[5] else return {'forbidden'} end
local action = ARGV[2]
if action == 'typing' and r[1] ~= 'active' then return {'room_closed'} end
local now = now_ms()
local wait = gcra(ROOM, 'rl:' .. mine .. ':' .. action, now, tonumber(ARGV[3]), tonumber(ARGV[4]))
if wait > 0 then return {'rate_limited', ms(wait)} end
if action ~= 'read' then return {'ok', mine, '', 0} end
-- A marker only moves forward, and never past the newest message.
local up, newest = ARGV[5], r[6] or ''
local cur = redis.call('HGET', ROOM, 'read:' .. mine) or ''
if #newest ~= 16 or #up ~= 16 then return {'ok', mine, cur, 0} end
if up > newest then up = newest end
if cur ~= '' and up <= cur then return {'ok', mine, cur, 0} end
redis.call('HSET', ROOM, 'read:' .. mine, up)
return {'ok', mine, up, 1}
