-- "Meet again" (again.go), in the matchmaking slot (KEYS[1]): a member's
-- wish to talk again with the partner of a room that ended, and, once both
-- wish it, the new room, created here exactly once.
-- ARGV: 1 'wish' | 'unwish' | 'retry' (a pending pair is tried again),
-- 2 the room that ended, 3 when it closed (ms), 4 the caller's user id ('' on
-- retry), 5 and 6 the room's two user ids (a, b), 7 the again window (ms),
-- 8-13 a's profile now: gender (m|f), age, nickname, telegram id, language,
-- version; 14-19 the same of b, 20 the new room's id, 21 and 22 a's and b's
-- new member ids, 23 room TTL (s), 24 a room a's state points at that the
-- caller found no longer active, 25 one it found still active, 26 and 27 the
-- same for b ('' = none), 28 outbox grace (ms), 29 how soon a pending pair
-- is tried again (ms), 30 and 31 a's and b's interests now (letter codes):
-- the new room shows the ones they share, as a search's room does.
-- Replies: {'gone'} (the window passed, or the caller reported that room)
--        | {'restricted', 'banned'|'suspended', until_ms}
--        | {'stale_profile'} | {'check_room', 'a'|'b', room_id}
--        | {'wished'} (a wish stands; whether the partner's does too is
--          nobody's business until the room exists) | {'unwished'}
--        | {'done'} (the new room exists already)
--        | {'matched', room_id, outbox_id, steps_json}
--
-- Keys: MM:ag:<room> a hash user id -> when they wished, expiring with the
-- window (closed + ARGV[7]): so a wish lapses by itself. MM:agd:<room> the
-- again-room made from it. MM:agq the pairs who both wish but are not both
-- free, scored by when to try again (again.go's sweep).
--
-- Free means idle or searching (the search ends: a partner both chose beats
-- a stranger); in another active room means busy, and the pair waits in
-- MM:agq until both are free or the window ends. Blocked or reported pairs,
-- suspended or banned users and pairs on the two sides of 18 (by today's
-- profiles) are never put together; their wishes stand, unanswered, like
-- any one-sided wish, so no one learns why.
local op, rid, caller = ARGV[1], ARGV[2], ARGV[4]
local ua, ub = ARGV[5], ARGV[6]
local now = now_ms()
local lapse = tonumber(ARGV[3]) + tonumber(ARGV[7])
local agk, pend = MM .. ':ag:' .. rid, MM .. ':agq'

if op == 'unwish' then
  redis.call('HDEL', agk, caller)
  redis.call('ZREM', pend, rid)
  return {'unwished'}
end
if redis.call('EXISTS', MM .. ':agd:' .. rid) == 1 then
  redis.call('ZREM', pend, rid)
  return {'done'}
end
if now >= lapse then
  redis.call('DEL', agk)
  redis.call('ZREM', pend, rid)
  return {'gone'}
end
if op == 'wish' then
  if redis.call('EXISTS', MM .. ':rep:' .. rid .. ':' .. caller) == 1 then return {'gone'} end
  local ban = redis.call('GET', MM .. ':ban:' .. caller)
  if ban then return {'restricted', 'banned', ban} end
  local susp = redis.call('GET', MM .. ':susp:' .. caller)
  if susp then return {'restricted', 'suspended', susp} end
  redis.call('HSET', agk, caller, ms(now))
  redis.call('PEXPIRE', agk, ms(lapse - now))
end
if redis.call('HEXISTS', agk, ua) == 0 or redis.call('HEXISTS', agk, ub) == 0 then
  redis.call('ZREM', pend, rid)
  return {'wished'}
end

-- Both wish it.
local function unanswered()
  redis.call('ZREM', pend, rid)
  return {'wished'}
end
if redis.call('EXISTS', MM .. ':bl:' .. pairkey(ua, ub), MM .. ':ban:' .. ua, MM .. ':ban:' .. ub,
    MM .. ':susp:' .. ua, MM .. ':susp:' .. ub) > 0 then
  return unanswered()
end
local p = {
  a = {uid = ua, g = ARGV[8], age = tonumber(ARGV[9]), nick = ARGV[10], tg = ARGV[11], lang = ARGV[12], ver = ARGV[13],
       member = ARGV[21], inactive = ARGV[24], active = ARGV[25]},
  b = {uid = ub, g = ARGV[14], age = tonumber(ARGV[15]), nick = ARGV[16], tg = ARGV[17], lang = ARGV[18], ver = ARGV[19],
       member = ARGV[22], inactive = ARGV[26], active = ARGV[27]},
}
-- Minors meet only minors, adults only adults, by the profiles of today.
if (p.a.age >= 18) ~= (p.b.age >= 18) then return unanswered() end
local busy = false
for _, s in ipairs({'a', 'b'}) do
  local m = p[s]
  if tonumber(m.ver) < tonumber(redis.call('GET', MM .. ':pv:' .. m.uid) or '0') then return {'stale_profile'} end
  m.st = get_state(m.uid)
  if m.st.state == 'matched' then
    if m.st.room == m.active then
      busy = true
    elseif m.st.room ~= m.inactive then
      return {'check_room', s, m.st.room}
    end
  end
end
if busy then
  if p.a.st.state == 'matched' and p.a.st.room == p.b.st.room then
    -- Together again already (a search matched them): that is their room.
    redis.call('SET', MM .. ':agd:' .. rid, p.a.st.room, 'PX', ms(lapse - now))
    redis.call('DEL', agk)
    redis.call('ZREM', pend, rid)
    return {'done'}
  end
  redis.call('ZADD', pend, ms(now + tonumber(ARGV[29])), rid)
  return {'wished'}
end

-- Both free: a search ends, an idle or stale state goes.
for _, s in ipairs({'a', 'b'}) do
  if p[s].st.state == 'waiting' then
    unwait(p[s].uid, p[s].st, nil)
  else
    redis.call('DEL', MM .. ':st:' .. p[s].uid)
  end
end
local nrid, room_ttl = ARGV[20], tonumber(ARGV[23])
local function rec(m)
  return {uid = m.uid, member = m.member, nick = m.nick, gender = m.g, age = m.age, tg = m.tg, lang = m.lang}
end
redis.call('SET', MM .. ':m:' .. nrid, cjson.encode({id = nrid, created = now, si = shared(ARGV[30], ARGV[31]),
  a = rec(p.a), b = rec(p.b)}), 'EX', 3600)
for _, x in ipairs({{p.a, p.b}, {p.b, p.a}}) do
  local k = MM .. ':st:' .. x[1].uid
  redis.call('HSET', k, 'state', 'matched', 'room', nrid, 'member', x[1].member, 'partner', x[2].uid)
  redis.call('EXPIRE', k, 2 * room_ttl)
  recent(x[1].uid, nrid, now, room_ttl)
end
redis.call('ZADD', MM .. ':active', now, nrid)
redis.call('INCR', MM .. ':stats:again')
redis.call('DEL', agk)
redis.call('ZREM', pend, rid)
redis.call('SET', MM .. ':agd:' .. rid, nrid, 'PX', ms(lapse - now))
local steps = {{op = 'create_room', room = nrid}, {op = 'again_matched', room = nrid, user = ua},
  {op = 'again_matched', room = nrid, user = ub}}
return {'matched', nrid, outbox_add(now + tonumber(ARGV[28]), steps), cjson.encode(steps)}
