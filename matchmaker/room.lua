-- Helpers of a room's slot, prepended (after lib.lua) to every script that
-- runs there. KEYS are always the room's: 1 the record (a hash), 2 the
-- message list, 3 the evidence kept after a clear (keys.go: roomKeys).
--
-- The record: state 'active'|'closed', created, closed_at, closed_by (a
-- user id or 'system'), cleared ('1' once cleared), for each side s in a|b:
-- u<s> user id, m<s> member id, n<s> g<s> a<s> the profile shown, t<s>
-- Telegram id (who may call; '' once the user deleted their data), l<s>
-- language; seq the newest message id; n:<member> messages sent;
-- rl:<member>:<action> rate-limit state; read:<member> read marker;
-- c:<member>:<client message id> the id of that member's message (the
-- duplicate check; one per kept message); dropped '1' once old messages
-- were trimmed; po when the partner-away check is next due; rv*/ru* the
-- contact exchange (reveal.lua).
--
-- Messages are JSON objects that begin with '{"id":"<16 digits>"', so a
-- message's id is string.sub(m, 8, 23) without decoding it, and the list is
-- sorted by id: ids are the larger of (the previous id + 1) and (now in ms
-- * 1000), so they increase and never come back, even after Redis lost its
-- last writes (the clock moved on).
local ROOM, MSGS, EV = KEYS[1], KEYS[2], KEYS[3]

local function msg_id(m) return string.sub(m, 8, 23) end

-- find_msg returns the list index of the message with id, or nil.
local function find_msg(id)
  local lo, hi = 0, redis.call('LLEN', MSGS) - 1
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    local m = redis.call('LINDEX', MSGS, mid)
    local mid_id = msg_id(m)
    if mid_id == id then return mid, m end
    if mid_id < id then lo = mid + 1 else hi = mid - 1 end
  end
  return nil
end

-- side returns 'a' or 'b' for the member whose field f (t for the Telegram
-- id, u for the user id) is v, or nil.
local function side_of(f, v)
  if v == nil or v == '' then return nil end
  local r = redis.call('HMGET', ROOM, f .. 'a', f .. 'b')
  if r[1] == v then return 'a' end
  if r[2] == v then return 'b' end
  return nil
end

local function other(s)
  if s == 'a' then return 'b' end
  return 'a'
end

local function touch(ttl)
  for _, k in ipairs({ROOM, MSGS}) do redis.call('EXPIRE', k, ttl) end
end

-- close closes an active room: it takes no more messages. Returns true if
-- this call closed it.
local function close(by, now)
  if redis.call('HGET', ROOM, 'state') ~= 'active' then return false end
  redis.call('HSET', ROOM, 'state', 'closed', 'closed_at', ms(now), 'closed_by', by)
  -- A contact exchange not agreed by both by now never will be: the offers
  -- and their usernames go (reveal.lua).
  if not redis.call('HGET', ROOM, 'rvd') then redis.call('HDEL', ROOM, 'rva', 'rvb', 'rua', 'rub') end
  return true
end
