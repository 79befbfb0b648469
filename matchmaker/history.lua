-- Read a page of a room's messages. ARGV: caller's Telegram id, before (a
-- message id; '' = the newest), limit.
-- Replies: {'not_found'} | {'forbidden'}
--        | {'ok', has_more (0|1), truncated (0|1), message_json...} oldest
--          first; truncated says the page reaches the oldest kept message
--          and older ones were dropped (the cap).
local r = redis.call('HMGET', ROOM, 'state', 'ta', 'tb', 'dropped')
if not r[1] then return {'not_found'} end
local tg = ARGV[1]
if tg == '' or (r[2] ~= tg and r[3] ~= tg) then return {'forbidden'} end
local before, limit = ARGV[2], tonumber(ARGV[3])
local n = redis.call('LLEN', MSGS)
-- stop: the index of the newest message older than before.
local stop = n - 1
if before ~= '' then
  local lo, hi = 0, n - 1
  stop = -1
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    if msg_id(redis.call('LINDEX', MSGS, mid)) < before then
      stop, lo = mid, mid + 1
    else
      hi = mid - 1
    end
  end
end
local truncated = r[4] == '1' and 1 or 0
if stop < 0 then return {'ok', 0, truncated} end
local start = math.max(0, stop - limit + 1)
local out = {'ok', start > 0 and 1 or 0, start == 0 and truncated or 0}
for _, m in ipairs(redis.call('LRANGE', MSGS, start, stop)) do out[#out + 1] = m end
return out
