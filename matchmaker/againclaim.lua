-- Claim pairs who both wish to meet again but were not both free, due for
-- another try (again.go), in the matchmaking slot (KEYS[1]). ARGV: how many
-- at most, lease (ms): a claimed pair is due again after the lease, so two
-- sweepers do not try one pair at once, and one whose sweeper died is tried
-- again. A pair whose wishes lapsed leaves. Replies: room ids.
local now = now_ms()
local pend = MM .. ':agq'
local out = {}
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', pend, '-inf', ms(now), 'LIMIT', 0, tonumber(ARGV[1]))) do
  if redis.call('EXISTS', MM .. ':ag:' .. rid) == 1 then
    redis.call('ZADD', pend, ms(now + tonumber(ARGV[2])), rid)
    out[#out + 1] = rid
  else
    redis.call('ZREM', pend, rid)
  end
end
return out
