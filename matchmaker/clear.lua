-- Clear a conversation for both members: close the room if it is active,
-- delete its messages, and keep the last ones (ARGV[4] of them) hidden in
-- the evidence key, only so that either member can still report until the
-- room expires. ARGV: 1 user id of the member clearing, 2 forget ('1' = the
-- user deleted their data: they can no longer call on this room), 3 room TTL
-- (s), 4 evidence size.
-- Replies: {'gone'} | {'ok', closed_by, member}  (as close.lua)
local s = side_of('u', ARGV[1])
if not s then return {'gone'} end
local now = now_ms()
close(ARGV[1], now)
if redis.call('HGET', ROOM, 'cleared') ~= '1' then
  local ev = redis.call('LRANGE', MSGS, -tonumber(ARGV[4]), -1)
  if #ev > 0 then redis.call('SET', EV, '[' .. table.concat(ev, ',') .. ']', 'EX', ARGV[3]) end
  redis.call('DEL', MSGS)
  local cids = {}
  for _, f in ipairs(redis.call('HKEYS', ROOM)) do
    if string.sub(f, 1, 2) == 'c:' then cids[#cids + 1] = f end
  end
  for i = 1, #cids, 500 do redis.call('HDEL', ROOM, unpack(cids, i, math.min(i + 499, #cids))) end
  redis.call('HSET', ROOM, 'cleared', '1', 'cleared_at', ms(now))
end
if ARGV[2] == '1' then redis.call('HSET', ROOM, 't' .. s, '', 'ru' .. s, '') end
redis.call('EXPIRE', ROOM, ARGV[3])
local r = redis.call('HMGET', ROOM, 'closed_by', 'm' .. s)
return {'ok', r[1], r[2]}
