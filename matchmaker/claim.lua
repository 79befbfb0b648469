-- Claim outbox entries that are due, in the matchmaking slot (KEYS[1]).
-- ARGV: how many at most, lease (ms): a claimed entry is due again after the
-- lease, so an entry whose runner died is run again, and two sweepers do not
-- run one entry at the same time. Replies: {id, steps_json, id, steps_json, ...}
local now = now_ms()
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', MM .. ':ob', '-inf', ms(now), 'LIMIT', 0, tonumber(ARGV[1]))) do
  local steps = redis.call('HGET', MM .. ':obd', id)
  if steps then
    redis.call('ZADD', MM .. ':ob', ms(now + tonumber(ARGV[2])), id)
    out[#out + 1] = id
    out[#out + 1] = steps
  else
    redis.call('ZREM', MM .. ':ob', id)
  end
end
return out
