-- Record an uploaded photo or voice message in its room, or say why not.
-- ARGV: 1 uploader's Telegram id, 2 media id ('' = only check), 3 record
-- JSON (kind, size and type of what was stored), 4 messages each side must
-- have sent first (the links rule; 0 = off), 5 most unsent uploads per
-- member, 6 room TTL (s).
-- Replies: {'not_found'} | {'forbidden'} | {'room_closed'} | {'minors'}
--        | {'not_yet', mine_left, theirs_left} | {'too_many'}
--        | {'ok', member}
-- Minors never send or receive media; media, like links, waits until both
-- sides have written a few messages; an uploader may have only a few
-- uploads not yet sent. The check runs again when the upload is recorded,
-- atomically with it.
local r = redis.call('HMGET', ROOM, 'state', 'ta', 'tb', 'ma', 'mb', 'aa', 'ab')
if not r[1] then return {'not_found'} end
local tg = ARGV[1]
local mine, theirs
if tg ~= '' and r[2] == tg then mine, theirs = r[4], r[5] elseif tg ~= '' and r[3] == tg then mine, theirs = r[5], r[4] else return {'forbidden'} end
if r[1] ~= 'active' then return {'room_closed'} end
if tonumber(r[6] or '0') < 18 or tonumber(r[7] or '0') < 18 then return {'minors'} end
local c = redis.call('HMGET', ROOM, 'n:' .. mine, 'n:' .. theirs, 'mu:' .. mine)
local need = tonumber(ARGV[4])
local a, b = need - tonumber(c[1] or '0'), need - tonumber(c[2] or '0')
if a > 0 or b > 0 then return {'not_yet', math.max(a, 0), math.max(b, 0)} end
if tonumber(c[3] or '0') >= tonumber(ARGV[5]) then return {'too_many'} end
if ARGV[2] ~= '' then
  local rec = cjson.decode(ARGV[3])
  rec.owner = mine
  redis.call('HSET', ROOM, 'md:' .. ARGV[2], cjson.encode(rec), 'mu:' .. mine, tonumber(c[3] or '0') + 1)
  redis.call('EXPIRE', ROOM, ARGV[6])
end
return {'ok', mine}
