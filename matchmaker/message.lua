-- Append a message to a room. ARGV: prefix, user id, room id, text,
-- client message id ('' = none), messages kept, room TTL (s), has a link
-- ('1'|''), messages each side must have sent before links (0 = off).
-- Replies: {'not_found'} | {'forbidden'} | {'room_closed'} | {'link_not_allowed'}
--        | {'new', message_json} | {'dup', message_json, published}
-- A retry with the same client message id returns the stored message (even
-- after the room closed: it was accepted), so no message is lost or doubled.
local P, uid, rid, text, cmid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local rkey = P .. 'r:' .. rid
local r = redis.call('HMGET', rkey, 'state', 'a', 'b', 'ma', 'mb')
if not r[1] then return {'not_found'} end
local mine
if r[2] == uid then mine = r[4] elseif r[3] == uid then mine = r[5] else return {'forbidden'} end
local ckey = rkey .. ':c'
if cmid ~= '' then
  local prev = redis.call('HGET', ckey, mine .. ':' .. cmid)
  if prev then
    local id = cjson.decode(prev).id
    return {'dup', prev, redis.call('HEXISTS', rkey .. ':p', id)}
  end
end
if r[1] ~= 'active' then return {'room_closed'} end
local need = tonumber(ARGV[9])
if ARGV[8] == '1' and need > 0 then
  local n = redis.call('HMGET', rkey, 'n:' .. r[4], 'n:' .. r[5])
  if math.min(tonumber(n[1] or '0'), tonumber(n[2] or '0')) < need then return {'link_not_allowed'} end
end

local now = now_ms()
local id = redis.call('HINCRBY', rkey, 'seq', 1)
redis.call('HINCRBY', rkey, 'n:' .. mine, 1)
redis.call('ZADD', P .. 'active', 'XX', ms(now), rid)
local msg = cjson.encode({id = tostring(id), from = mine, text = text, ts = now})
local mkey = rkey .. ':m'
redis.call('RPUSH', mkey, msg)
redis.call('LTRIM', mkey, -tonumber(ARGV[6]), -1)
if cmid ~= '' then redis.call('HSET', ckey, mine .. ':' .. cmid, msg) end
for _, k in ipairs({rkey, mkey, ckey}) do
  redis.call('EXPIRE', k, ARGV[7])
end
local day = P .. 'stats:messages:' .. math.floor(now / 86400000)
redis.call('INCR', day)
redis.call('EXPIRE', day, 3 * 86400)
return {'new', msg}
