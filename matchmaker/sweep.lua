-- Expire searches that waited longer than the TTL. ARGV: prefix, TTL (ms),
-- how many at most. Replies with the ids of the users whose search expired
-- now; each id is returned once, whichever replica sweeps.
local P, ttl, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', P .. 'waiting', '-inf', string.format('%.0f', now - ttl), 'LIMIT', 0, limit)
local out = {}
for _, uid in ipairs(ids) do
  redis.call('ZREM', P .. 'waiting', uid)
  local skey = P .. 's:' .. uid
  local st = redis.call('HMGET', skey, 'state', 'q', 'qm')
  if st[1] == 'waiting' then
    redis.call('ZREM', st[2], st[3])
    redis.call('HSET', skey, 'state', 'expired')
    out[#out + 1] = uid
  end
end
return out
