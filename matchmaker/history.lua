-- Read a page of a room's messages. ARGV: prefix, user id, room id,
-- before message id (0 = the newest), limit.
-- Replies: {'not_found'} | {'forbidden'}
--        | {'ok', has_more (0|1), position of the newest published message
--           returned ('offset:epoch' or ''), message_json...} oldest first.
-- Message ids are consecutive, so the list index of id n is n - first id.
local P, uid, rid = ARGV[1], ARGV[2], ARGV[3]
local before, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
local rkey = P .. 'r:' .. rid
local r = redis.call('HMGET', rkey, 'state', 'a', 'b')
if not r[1] then return {'not_found'} end
if r[2] ~= uid and r[3] ~= uid then return {'forbidden'} end
local mkey = rkey .. ':m'
local n = redis.call('LLEN', mkey)
if n == 0 then return {'ok', 0, ''} end
local first = tonumber(cjson.decode(redis.call('LINDEX', mkey, 0)).id)
local stop = n - 1
if before > 0 then stop = math.min(n - 1, before - first - 1) end
if stop < 0 then return {'ok', 0, ''} end
local start = math.max(0, stop - limit + 1)
local msgs = redis.call('LRANGE', mkey, start, stop)
local pos = ''
for i = #msgs, 1, -1 do
  local p = redis.call('HGET', rkey .. ':p', cjson.decode(msgs[i]).id)
  if p then pos = p break end
end
local out = {'ok', start > 0 and 1 or 0, pos}
for _, m in ipairs(msgs) do out[#out + 1] = m end
return out
