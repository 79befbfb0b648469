-- Expire searches that waited longer than the TTL, in the matchmaking slot
-- (KEYS[1]). ARGV: TTL (ms), how many at most. Replies with the ids of the
-- users whose search expired now; each id is returned once, whichever
-- replica sweeps.
local ttl, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', MM .. ':w', '-inf', ms(now_ms() - ttl), 'LIMIT', 0, limit)
local out = {}
for _, uid in ipairs(ids) do
  local st = get_state(uid)
  if st.state == 'waiting' then
    unwait(uid, st, 'expired')
    out[#out + 1] = uid
  else
    redis.call('ZREM', MM .. ':w', uid)
  end
end
return out
