-- Store a message in an active room: membership, rate limit, duplicate
-- check, links rule and append in one step. ARGV: 1 sender's Telegram id,
-- 2 text, 3 client message id ('' = none), 4 reply_to ('' = none),
-- 5 messages kept, 6 room TTL (s), 7 has a link ('1'|''), 8 messages each
-- side must have sent before links (0 = off), 9 rate interval (ms), 10 rate
-- burst, 11 partner-away check interval (ms).
-- Replies: {'not_found'} | {'forbidden'} | {'room_closed'} | {'bad_reply'}
--        | {'rate_limited', retry_ms} | {'link_not_allowed', mine_left, theirs_left}
--        | {'dup', message_json}
--        | {'new', message_json, check ('1' = ask whether the partner is away),
--           partner_member, partner_tg, partner_lang}
-- A retry with the same client message id returns the stored message (even
-- after the room closed: it was accepted), so no message is lost or doubled.
local r = redis.call('HMGET', ROOM, 'state', 'ta', 'tb', 'ma', 'mb', 'seq', 'po', 'la', 'lb')
if not r[1] then return {'not_found'} end
local tg = ARGV[1]
local s
if tg ~= '' and r[2] == tg then s = 'a' elseif tg ~= '' and r[3] == tg then s = 'b' else return {'forbidden'} end
local mine, theirs = r[4], r[5]
local their_tg, their_lang = r[3], r[9]
if s == 'b' then mine, theirs, their_tg, their_lang = r[5], r[4], r[2], r[8] end
local cmid, reply = ARGV[3], ARGV[4]
if cmid ~= '' then
  local id = redis.call('HGET', CIDS, mine .. ':' .. cmid)
  if id then
    local _, m = find_msg(id)
    if m then return {'dup', m} end
  end
end
if r[1] ~= 'active' then return {'room_closed'} end
local now = now_ms()
local wait = gcra(ROOM, 'rl:' .. mine .. ':message', now, tonumber(ARGV[9]), tonumber(ARGV[10]))
if wait > 0 then return {'rate_limited', ms(wait)} end
local need = tonumber(ARGV[8])
if ARGV[7] == '1' and need > 0 then
  local n = redis.call('HMGET', ROOM, 'n:' .. mine, 'n:' .. theirs)
  local a, b = need - tonumber(n[1] or '0'), need - tonumber(n[2] or '0')
  if a > 0 or b > 0 then return {'link_not_allowed', math.max(a, 0), math.max(b, 0)} end
end
if reply ~= '' and not find_msg(reply) then return {'bad_reply'} end

local id = string.format('%016.0f', math.max(tonumber(r[6] or '0') + 1, now * 1000))
redis.call('HSET', ROOM, 'seq', id)
redis.call('HINCRBY', ROOM, 'n:' .. mine, 1)
local m = '{"id":"' .. id .. '","from":"' .. mine .. '","ts":' .. ms(now) .. ',"text":' .. cjson.encode(ARGV[2])
if cmid ~= '' then m = m .. ',"cmid":' .. cjson.encode(cmid) end
if reply ~= '' then m = m .. ',"reply_to":"' .. reply .. '"' end
m = m .. '}'
redis.call('RPUSH', MSGS, m)
if cmid ~= '' then redis.call('HSET', CIDS, mine .. ':' .. cmid, id) end
-- Everything kept per room is bounded by the cap: the oldest message goes,
-- and with it its client id.
local keep = tonumber(ARGV[5])
while redis.call('LLEN', MSGS) > keep do
  local old = cjson.decode(redis.call('LPOP', MSGS))
  if old.cmid then redis.call('HDEL', CIDS, old.from .. ':' .. old.cmid) end
  redis.call('HSET', ROOM, 'dropped', '1')
end
touch(ARGV[6])
local check = '0'
if now >= tonumber(r[7] or '0') then
  check = '1'
  redis.call('HSET', ROOM, 'po', ms(now + tonumber(ARGV[11])))
end
return {'new', m, check, theirs, their_tg, their_lang or ''}
