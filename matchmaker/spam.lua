-- Spam across chats, ratings and the review queue, in the matchmaking slot
-- (KEYS[1]). ARGV[1] is the operation:
--   'first', user, fingerprint, partner, normalised text, threshold,
--     window (ms), room, retention (ms): the user's first message in a
--     room. The same fingerprint to threshold distinct partners within the
--     window puts the user on hold (kept at most the retention). One sorted
--     set per user ({mm}:sp:<user>, members "<fingerprint>:<partner>"), so
--     /delete removes it with one DEL. Replies 'held' | 'ok'.
--   'release', user: lifts a hold and closes the review; a waiting search
--     enters the index. Replies 'ok'.
--   'rate', rater, rated, room, 'up'|'down', threshold, day, retention
--     (ms), rater's member id: a private rating, once per member of a
--     room. Distinct partners rating down within a day put the rated user
--     in the review queue (not on hold). Replies 'dup' | 'ok'.
local op = ARGV[1]
local now = now_ms()
if op == 'first' then
  local uid, fp, partner, window = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[7])
  local k = MM .. ':sp:' .. uid
  redis.call('ZADD', k, ms(now), fp .. ':' .. partner)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', ms(now - window))
  redis.call('PEXPIRE', k, ms(window))
  -- The set holds one member per first message within the window: a few
  -- dozen at most, bounded by how fast anyone can be matched.
  local n, prefix = 0, fp .. ':'
  for _, m in ipairs(redis.call('ZRANGE', k, 0, -1)) do
    if string.sub(m, 1, #prefix) == prefix then n = n + 1 end
  end
  if n >= tonumber(ARGV[6]) then
    hold_user(uid, 'same_first', ARGV[5], n, '[]', now, tonumber(ARGV[9]))
    return 'held'
  end
  return 'ok'
elseif op == 'release' then
  local uid = ARGV[2]
  redis.call('DEL', MM .. ':hold:' .. uid, MM .. ':review:' .. uid, MM .. ':ql:' .. uid, MM .. ':sp:' .. uid)
  redis.call('ZREM', MM .. ':review:open', uid)
  local st = get_state(uid)
  if st.state == 'waiting' then index_add(uid, st) end
  return 'ok'
elseif op == 'rate' then
  local rater, rated, rid, value, keep = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[8])
  if not redis.call('SET', MM .. ':rated:' .. rid .. ':' .. ARGV[9], '1', 'NX', 'EX', 2 * 86400) then return 'dup' end
  local day = MM .. ':stats:rating:' .. value .. ':' .. ARGV[7]
  redis.call('INCR', day)
  redis.call('EXPIRE', day, 3 * 86400)
  if value == 'down' then
    local k = MM .. ':dn:' .. rated
    redis.call('ZADD', k, ms(now), rater)
    redis.call('ZREMRANGEBYSCORE', k, '-inf', ms(now - 86400000))
    redis.call('PEXPIRE', k, 86400000)
    local n = redis.call('ZCARD', k)
    if n >= tonumber(ARGV[6]) and not redis.call('ZSCORE', MM .. ':review:open', rated) then
      local rk = MM .. ':review:' .. rated
      redis.call('DEL', rk)
      redis.call('HSET', rk, 'kind', 'ratings', 'since', ms(now), 'text', '', 'count', n, 'details', '[]', 'held', '0')
      redis.call('PEXPIRE', rk, ms(keep))
      redis.call('ZADD', MM .. ':review:open', ms(now), rated)
      redis.call('PEXPIRE', MM .. ':review:open', ms(keep))
    end
  end
  return 'ok'
end
return redis.error_reply('unknown op ' .. op)
