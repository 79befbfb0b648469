-- The matchmaking half of leaving or clearing a room, in the matchmaking
-- slot (KEYS[1]); the room's own slot is changed by the outbox steps this
-- returns. ARGV: 1 user id, 2 partner's user id, 3 room id, 4 'leave' |
-- 'clear', 5 block ('1' = never match the two again), 6 rematch cooldown (s,
-- 0 = none), 7 room TTL (s), 8 outbox grace (ms), 9 delay of the second
-- history removal after a clear (ms), 10 whether the room was active when
-- the caller read it ('1'|''): only then is the partner told it ended,
-- 11 when the user first wrote in the room (ms; '' = never), 12 a leave
-- this soon after it is quick (ms), 13 quick leaves that put a user on
-- hold, 14 within (ms), 15 how long a hold and its review are kept (ms).
-- Replies: {'ok', outbox_id, steps_json}
local uid, partner, rid, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now = now_ms()
local active = ARGV[10] == '1'
local pk = pairkey(uid, partner)
if ARGV[5] == '1' then redis.call('SET', MM .. ':bl:' .. pk, '1') end
if tonumber(ARGV[6]) > 0 then redis.call('SET', MM .. ':cd:' .. pk, '1', 'EX', ARGV[6]) end
end_room(rid, uid, partner, now, tonumber(ARGV[7]))
-- "Send, then leave", room after room: spam across chats.
if mode == 'leave' and active and ARGV[11] ~= '' and now - tonumber(ARGV[11]) <= tonumber(ARGV[12]) then
  local k, window = MM .. ':ql:' .. uid, tonumber(ARGV[14])
  redis.call('ZADD', k, ms(now), rid .. ':' .. ms((now - tonumber(ARGV[11])) / 1000))
  redis.call('ZREMRANGEBYSCORE', k, '-inf', ms(now - window))
  redis.call('PEXPIRE', k, ms(window))
  local n = redis.call('ZCARD', k)
  if n >= tonumber(ARGV[13]) then
    hold_user(uid, 'quick_leaves', '', n, cjson.encode(redis.call('ZRANGE', k, 0, -1)), now, tonumber(ARGV[15]))
  end
end
local steps = {}
if mode == 'clear' then
  steps = {{op = 'clear_room', room = rid, user = uid, announce = active}, {op = 'remove_history', room = rid},
    {op = 'delete_media', room = rid}}
  -- A publish started before the clear may still land: remove again later.
  outbox_add(now + tonumber(ARGV[9]), {{op = 'remove_history', room = rid}})
elseif active then
  steps = {{op = 'close_room', room = rid, user = uid, by = uid}}
end
if #steps == 0 then return {'ok', '', ''} end
return {'ok', outbox_add(now + tonumber(ARGV[8]), steps), cjson.encode(steps)}
