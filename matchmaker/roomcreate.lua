-- Create a room from its match record, unless it exists (a room is created
-- once: by the search that matched, or by whoever finds the match record
-- first). ARGV: record JSON (search.lua), room TTL (s).
-- Replies: {'created'} | {'exists'}
if redis.call('EXISTS', ROOM) == 1 then return {'exists'} end
local r = cjson.decode(ARGV[1])
local f = {'state', 'active', 'created', ms(r.created), 'seq', '0', 'si', r.si or ''}
for s, m in pairs({a = r.a, b = r.b}) do
  for k, v in pairs({u = m.uid, m = m.member, n = m.nick, g = m.gender, a = m.age, t = m.tg, l = m.lang}) do
    f[#f + 1] = k .. s
    f[#f + 1] = tostring(v)
  end
end
redis.call('HSET', ROOM, unpack(f))
redis.call('EXPIRE', ROOM, ARGV[2])
return {'created'}
