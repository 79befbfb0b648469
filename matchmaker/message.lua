-- Store a message in an active room: membership, rate limit, duplicate
-- check, links rule and append in one step. ARGV: 1 sender's Telegram id,
-- 2 text, 3 client message id ('' = none), 4 reply_to ('' = none),
-- 5 messages kept, 6 room TTL (s), 7 has a link ('1'|''), 8 messages each
-- side must have sent before links (0 = off), 9 rate interval (ms), 10 rate
-- burst, 11 partner-away check interval (ms), 12 media id ('' = none; an
-- upload of this member in this room not sent yet), 13 spoiler ('1'|''),
-- 14 and 15 the rate interval (ms) and burst in a room of minors.
-- Minors never send links (minors mode): {'minor_link'}.
-- Replies: {'not_found'} | {'forbidden'} | {'room_closed'} | {'bad_reply'} | {'bad_media'}
--        | {'rate_limited', retry_ms} | {'link_not_allowed', mine_left, theirs_left}
--        | {'dup', message_json}
--        | {'new', message_json, check ('1' = ask whether the partner is away),
--           partner_member, partner_tg, partner_lang,
--           first ('1' = the sender's first message here), sender's user id, partner's user id}
-- A retry with the same client message id returns the stored message (even
-- after the room closed: it was accepted), so no message is lost or doubled.
-- This is the hot path: it makes as few calls as it can (two reads, one
-- write of the record, the append, one TTL check).
local r = redis.call('HMGET', ROOM, 'state', 'ta', 'tb', 'ma', 'mb', 'seq', 'po', 'la', 'lb', 'aa', 'ab', 'ua', 'ub')
if not r[1] then return {'not_found'} end
local tg = ARGV[1]
local s
if tg ~= '' and r[2] == tg then s = 'a' elseif tg ~= '' and r[3] == tg then s = 'b' else return {'forbidden'} end
local mine, theirs = r[4], r[5]
local their_tg, their_lang = r[3], r[9]
local my_uid, their_uid = r[12], r[13]
if s == 'b' then mine, theirs, their_tg, their_lang, my_uid, their_uid = r[5], r[4], r[2], r[8], r[13], r[12] end
local minors = tonumber(r[10] or '0') < 18 or tonumber(r[11] or '0') < 18
local cmid, reply = ARGV[3], ARGV[4]
local cfield = 'c:' .. mine .. ':' .. cmid
local rlfield = 'rl:' .. mine .. ':message'
local m2 = redis.call('HMGET', ROOM, cfield, rlfield, 'n:' .. mine, 'n:' .. theirs)
if cmid ~= '' and m2[1] then
  local _, m = find_msg(m2[1])
  if m then return {'dup', m} end
end
if r[1] ~= 'active' then return {'room_closed'} end
local now = now_ms()
-- The sender's rate (generic cell rate algorithm on rl:<member>:message);
-- minors have a lower one.
local T, burst = tonumber(ARGV[9]), tonumber(ARGV[10])
if minors then T, burst = tonumber(ARGV[14]), tonumber(ARGV[15]) end
local tat = math.max(tonumber(m2[2] or '0'), now)
if tat + T - burst * T > now then return {'rate_limited', ms(tat + T - burst * T - now)} end
if minors and ARGV[7] == '1' then return {'minor_link'} end
local need = tonumber(ARGV[8])
local sent_mine, sent_theirs = tonumber(m2[3] or '0'), tonumber(m2[4] or '0')
if ARGV[7] == '1' and need > 0 and (sent_mine < need or sent_theirs < need) then
  return {'link_not_allowed', math.max(need - sent_mine, 0), math.max(need - sent_theirs, 0)}
end
if reply ~= '' and not find_msg(reply) then return {'bad_reply'} end
local media, mrec = ARGV[12], nil
if media ~= '' then
  local raw = redis.call('HGET', ROOM, 'md:' .. media)
  if not raw then return {'bad_media'} end
  mrec = cjson.decode(raw)
  if mrec.owner ~= mine or mrec.sent then return {'bad_media'} end
end

local id = string.format('%016.0f', math.max(tonumber(r[6] or '0') + 1, now * 1000))
local m = '{"id":"' .. id .. '","from":"' .. mine .. '","ts":' .. ms(now) .. ',"text":' .. cjson.encode(ARGV[2])
if cmid ~= '' then m = m .. ',"cmid":' .. cjson.encode(cmid) end
if reply ~= '' then m = m .. ',"reply_to":"' .. reply .. '"' end
local set = {'seq', id, 'n:' .. mine, sent_mine + 1, rlfield, ms(tat + T)}
local first = '0'
if sent_mine == 0 then
  -- When this member first wrote here: a "send, then leave" rhythm shows in it.
  first = '1'
  set[#set + 1] = 'f:' .. mine
  set[#set + 1] = ms(now)
end
if mrec then
  mrec.sent = true
  mrec.spoiler = ARGV[13] == '1'
  set[#set + 1] = 'md:' .. media
  set[#set + 1] = cjson.encode(mrec)
  set[#set + 1] = 'mu:' .. mine
  set[#set + 1] = math.max(tonumber(redis.call('HGET', ROOM, 'mu:' .. mine) or '1') - 1, 0)
  m = m .. ',"media":' .. cjson.encode({id = media, kind = mrec.kind, width = mrec.width, height = mrec.height,
    duration_ms = mrec.duration_ms, spoiler = mrec.spoiler})
end
m = m .. '}'

if cmid ~= '' then set[#set + 1] = cfield; set[#set + 1] = id end
local check = '0'
if now >= tonumber(r[7] or '0') then
  check = '1'
  set[#set + 1] = 'po'
  set[#set + 1] = ms(now + tonumber(ARGV[11]))
end
local len = redis.call('RPUSH', MSGS, m)
-- Everything kept per room is bounded by the cap: the oldest message goes,
-- and with it its client id.
local keep = tonumber(ARGV[5])
if len > keep then
  set[#set + 1] = 'dropped'
  set[#set + 1] = '1'
  local gone = {}
  for i = 1, len - keep do
    local old = cjson.decode(redis.call('LPOP', MSGS))
    if old.cmid then gone[#gone + 1] = 'c:' .. old.from .. ':' .. old.cmid end
    -- A dropped photo's record goes too (its object stays until the room ends).
    if old.media then gone[#gone + 1] = 'md:' .. old.media.id end
  end
  if #gone > 0 then redis.call('HDEL', ROOM, unpack(gone)) end
end
redis.call('HSET', ROOM, unpack(set))
-- The room lives ROOM_TTL after its last message; its TTL is renewed when
-- it has run down by a hundredth (at most a minute), not on every message.
local ttl = tonumber(ARGV[6])
if len == 1 or redis.call('TTL', ROOM) < ttl - math.min(60, ttl / 100) then touch(ttl) end
return {'new', m, check, theirs, their_tg, their_lang or '', first, my_uid or '', their_uid or ''}
