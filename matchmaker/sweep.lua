-- Expire searches that waited longer than the TTL. ARGV: prefix, TTL (ms),
-- how many at most. Replies with the ids of the users whose search expired
-- now; each id is returned once, whichever replica sweeps.
local P, ttl, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', P .. 'waiting', '-inf', ms(now_ms() - ttl), 'LIMIT', 0, limit)
local out = {}
for _, uid in ipairs(ids) do
  redis.call('ZREM', P .. 'waiting', uid)
  local st = redis.call('HMGET', P .. 's:' .. uid, 'state', 'q', 'qm')
  if st[1] == 'waiting' then
    dequeue(P, uid, st[2], st[3], 'expired')
    out[#out + 1] = uid
  end
end
return out
