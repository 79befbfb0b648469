-- Who may fetch a media object: members of its room, once it was sent (its
-- uploader also before), and not once the room is cleared (what a clear
-- keeps for a report is for operators only). ARGV: caller's Telegram id,
-- media id.
-- Replies: {'not_found'} | {'forbidden'} | {'ok', record_json}
local r = redis.call('HMGET', ROOM, 'ta', 'tb', 'ma', 'mb', 'md:' .. ARGV[2], 'cleared')
if not r[1] and not r[2] then return {'not_found'} end
if r[6] == '1' then return {'not_found'} end
local tg = ARGV[1]
local mine
if tg ~= '' and r[1] == tg then mine = r[3] elseif tg ~= '' and r[2] == tg then mine = r[4] else return {'forbidden'} end
if not r[5] then return {'not_found'} end
local rec = cjson.decode(r[5])
if not rec.sent and rec.owner ~= mine then return {'not_found'} end
return {'ok', r[5]}
