-- A member's consent to exchange contacts (consent.go), in the room's slot.
-- ARGV: 1 caller's Telegram id, 2 'offer' | 'withdraw' | 'refresh' (the
-- caller's app shows the room: their username may have changed), 3 the
-- caller's username as their validated init data has it ('' = none),
-- 4 '1' when the caller's intent is written in the matchmaking slot (only
-- then may this call complete the exchange), '' otherwise.
-- Record fields (room.lua): rv<s> '1' while side s agrees; ru<s> the
-- username s presented last ('' = none at hand); rvn the number of reveal
-- publications so far, rve<s> and rvk<s> the number and state of side s's
-- latest; once done: rvd (ms), rvde, rvdf (its number and the member whose
-- call completed it) and rvp '1' until the follow-ups are done.
-- Replies: {'not_found'} | {'forbidden'} | {'room_closed'} | {'minor'}
--        | {'username_required'} | {'already_revealed'}
--        | {'need_intent', my user id, partner's user id} (nothing changed:
--          this call would complete the exchange)
--        | {'ok', state, number, member, completed}: what to publish, state
--          'offered' | 'withdrawn' | 'done' | '' (nothing); completed '1'
--          when this call completed the exchange.
local function get(f) return redis.call('HGET', ROOM, f) end
local state = get('state')
if not state then return {'not_found'} end
local s = side_of('t', ARGV[1])
if not s then return {'forbidden'} end
local o = other(s)
local op, name = ARGV[2], ARGV[3]
local me = get('m' .. s)
local nothing = {'ok', '', '', me, ''}

if get('rvd') then
  if op == 'withdraw' then return {'already_revealed'} end
  return {'ok', 'done', get('rvde'), get('rvdf'), ''}
end

local agreed = get('rv' .. s) == '1'
-- The caller's latest publication, repeated so that a retry publishes it
-- again under the same idempotency key.
local function last(kind)
  if get('rvk' .. s) == kind then return {'ok', kind, get('rve' .. s), me, ''} end
  return nothing
end
local function publish(kind)
  local n = redis.call('HINCRBY', ROOM, 'rvn', 1)
  redis.call('HSET', ROOM, 'rve' .. s, n, 'rvk' .. s, kind)
  return {'ok', kind, tostring(n), me, ''}
end

if op == 'withdraw' then
  if not agreed then return last('withdrawn') end
  redis.call('HDEL', ROOM, 'rv' .. s, 'ru' .. s)
  return publish('withdrawn')
end

if state ~= 'active' then
  if op == 'refresh' then return nothing end
  return {'room_closed'}
end
if op == 'refresh' and not agreed then return nothing end
if tonumber(get('aa') or '0') < 18 or tonumber(get('ab') or '0') < 18 then return {'minor'} end
if name == '' then
  -- An agreement stands without a username (it was removed since): the
  -- one kept is no longer theirs, and the exchange waits for a new one.
  if agreed then redis.call('HSET', ROOM, 'ru' .. s, '') end
  if op == 'refresh' then return nothing end
  return {'username_required'}
end

local theirs = get('rv' .. o) == '1' and (get('ru' .. o) or '') ~= ''
if theirs and ARGV[4] ~= '1' then return {'need_intent', get('u' .. s), get('u' .. o)} end
redis.call('HSET', ROOM, 'rv' .. s, '1', 'ru' .. s, name)
if theirs then
  -- Both agree and both have a username: done, in this one step. The
  -- notices follow from the caller's outbox entry (consent.go).
  local n = redis.call('HINCRBY', ROOM, 'rvn', 1)
  redis.call('HSET', ROOM, 'rvd', ms(now_ms()), 'rvde', n, 'rvdf', me, 'rvp', '1')
  return {'ok', 'done', tostring(n), me, '1'}
end
if op == 'refresh' then return nothing end
if agreed then return last('offered') end
return publish('offered')
