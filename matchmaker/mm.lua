-- Helpers of the matchmaking slot, prepended (after lib.lua) to every script
-- that runs there. KEYS[1] is the slot's base key, '<prefix>{mm}'; every key
-- these scripts touch is KEYS[1] .. ':' .. something, so all of them share
-- its hash tag and its slot. (Keys whose names depend on data read inside a
-- script, such as the queue partitions, cannot be listed in KEYS up front;
-- deriving them from KEYS[1] keeps them in the declared slot. The price:
-- Redis Cluster redirects a script by its declared keys only, so this slot
-- must not be migrated while the product runs; a half-moved slot would read
-- keys already moved as absent. deploy/README.md says so to operators.
-- Room, user and notice scripts declare every key they touch.)
local MM = KEYS[1]

-- A user's matchmaking state, MM:st:<uid>, a hash; absent = idle.
--   state   'waiting' | 'matched' | 'expired'
--   waiting: since (ms), score, the search snapshot pool, g, w, af, at, a,
--            nick, tg, lang, ver (the profile version it was taken from),
--            int (interests as letter codes)
--   matched: room, member (the user's member id), partner (user id)
local ST = {'state', 'since', 'score', 'pool', 'g', 'w', 'af', 'at', 'a', 'nick', 'tg', 'lang', 'ver', 'int',
  'room', 'member', 'partner'}

-- wait_kind names the filters whose waits are alike, for the expected
-- wait: the pool, own gender, wanted gender and whether the age range is
-- narrow (up to 10 years) or wide.
local function wait_kind(pool, g, w, af, at)
  local c = 'w'
  if tonumber(at) - tonumber(af) <= 10 then c = 'n' end
  return pool .. g .. w .. c
end

-- shared returns the interest codes two code strings have in common.
local function shared(a, b)
  local out = ''
  for i = 1, #(a or '') do
    local c = string.sub(a, i, i)
    if string.find(b or '', c, 1, true) then out = out .. c end
  end
  return out
end

-- search_range is what a searcher of age mage wanting want (m|f|a) in
-- af..at looks at: minors meet only minors and adults only adults, whatever
-- the filters say. It returns the pool, the clamped range (nil when it is
-- empty) and the genders wanted. A search (search.lua) and the queue's count
-- (queue.lua) read the same partitions through it.
local function search_range(mage, want, af, at)
  local pool = 'a'
  if mage >= 18 then
    af, at = math.max(af, 18), math.min(at, 99)
  else
    pool, af, at = 'm', math.max(af, 16), math.min(at, 17)
  end
  local wants = {want}
  if want == 'a' then wants = {'m', 'f'} end
  if af > at then return pool, nil, nil, wants end
  return pool, af, at, wants
end

local function get_state(uid)
  local v = redis.call('HMGET', MM .. ':st:' .. uid, unpack(ST))
  local st = {}
  for i, f in ipairs(ST) do st[f] = v[i] end
  return st
end

-- The search index. A waiting user is filed once for every age x they
-- accept, under MM:q:<pool><g><w>:<x>:<a> (pool 'a' adults | 'm' minors, own
-- gender g 'm'|'f', wanted gender w 'm'|'f'|'a', own age a), scored by when
-- they started waiting. MM:qh:<pool><g><w>:<x> (the heads) holds, for each
-- age a with a partition there, a score no later than the partition's
-- oldest entry: one read gives a searcher every age and about where its
-- oldest user stands. So a searcher of age x looks only at partitions of
-- users who accept x and whose own age the searcher accepts: every user
-- found there is mutually compatible by age and gender, and the cost of a
-- search does not depend on how many incompatible users wait.
local function qkey(pool, g, w, x, a) return MM .. ':q:' .. pool .. g .. w .. ':' .. x .. ':' .. a end
local function qhkey(pool, g, w, x) return MM .. ':qh:' .. pool .. g .. w .. ':' .. x end

-- The heads are kept a lower bound, never more: filing a user lowers an
-- age's head score to theirs if it is older (ZADD LT), and taking users out
-- touches only their partitions (one ZREM per age: a match, a cancel or an
-- expiry must not hold Redis long), which can only make the true head
-- later. A search that reads a partition sets its head score to the truth,
-- or drops the age once the partition is empty. The heads name no user
-- (ages and times only), so they keep no TTL: at most 2 pools x 2 genders
-- x 3 wants x 84 ages small sets.
local function index_add(uid, st)
  local a = st.a
  for x = tonumber(st.af), tonumber(st.at) do
    redis.call('ZADD', qkey(st.pool, st.g, st.w, x, a), st.score, uid)
    redis.call('ZADD', qhkey(st.pool, st.g, st.w, x), 'LT', st.score, a)
  end
  redis.call('ZADD', MM .. ':w', st.since, uid)
end

local function index_del(uid, st)
  local a = st.a
  for x = tonumber(st.af), tonumber(st.at) do
    redis.call('ZREM', qkey(st.pool, st.g, st.w, x, a), uid)
  end
  redis.call('ZREM', MM .. ':w', uid)
end

-- unwait takes a waiting user out of the index and sets their state:
-- 'expired' (kept an hour so the app can read it) or nil (idle).
local function unwait(uid, st, state)
  index_del(uid, st)
  local skey = MM .. ':st:' .. uid
  redis.call('DEL', skey)
  if state then
    redis.call('HSET', skey, 'state', state)
    redis.call('EXPIRE', skey, 3600)
  end
end

-- The outbox: steps that must still happen in other slots after a change
-- made here (outbox.go runs them). MM:obd holds each entry's steps as JSON,
-- MM:ob its due time; an entry is run at once by the caller and, if it is
-- still there when due, by a sweeper.
local function outbox_add(due, steps)
  local id = 'o' .. redis.call('INCR', MM .. ':ob:seq')
  redis.call('HSET', MM .. ':obd', id, cjson.encode(steps))
  redis.call('ZADD', MM .. ':ob', due, id)
  return id
end

local function pairkey(a, b)
  if a < b then return a .. ':' .. b end
  return b .. ':' .. a
end

-- recent records a room among a user's rooms still kept (MM:ur:<uid>,
-- scored by when it was created or closed), dropping those whose last
-- change is older than the room TTL: such a room has expired.
local function recent(uid, rid, now, room_ttl_s)
  local k = MM .. ':ur:' .. uid
  redis.call('ZADD', k, now, rid)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', ms(now - room_ttl_s * 1000))
  redis.call('EXPIRE', k, room_ttl_s + 3600)
end

-- end_room forgets that two users are in room rid: their states become idle
-- (if the state still points at rid), the room leaves the active index and
-- goes to the top of both users' recent rooms.
local function end_room(rid, a, b, now, room_ttl_s)
  for _, u in ipairs({a, b}) do
    if u and u ~= '' then
      local skey = MM .. ':st:' .. u
      if redis.call('HGET', skey, 'room') == rid then redis.call('DEL', skey) end
      recent(u, rid, now, room_ttl_s)
    end
  end
  redis.call('ZREM', MM .. ':active', rid)
end

-- restrict_user suspends (until ms) or bans (until '0' = for good) a user:
-- their search ends, their current room is closed by the system, and their
-- app and the bot are told. It appends the steps in other slots to steps.
local function restrict_user(uid, code, untilms, now, room_ttl_s, steps)
  local key = MM .. (code == 'banned' and ':ban:' or ':susp:') .. uid
  if untilms == '0' then
    redis.call('SET', key, '0')
  else
    redis.call('SET', key, untilms, 'PX', ms(math.max(1, tonumber(untilms) - now)))
  end
  redis.call('INCR', MM .. ':stats:' .. code)
  local st = get_state(uid)
  if st.state == 'waiting' then
    unwait(uid, st, nil)
  elseif st.state == 'matched' then
    steps[#steps + 1] = {op = 'close_room', room = st.room, user = uid, by = 'system'}
    end_room(st.room, uid, st.partner, now, room_ttl_s)
  end
  steps[#steps + 1] = {op = 'restricted', user = uid, code = code, ['until'] = untilms}
end

-- hold_user puts a user on hold (spam across chats): their search, if any,
-- leaves the index but keeps waiting, so they match nobody and nothing
-- tells them; operators find them in the review queue with the evidence.
-- The hold lasts until an operator decides, or the review retention.
local function hold_user(uid, kind, text, count, details, now, keep)
  local hk = MM .. ':hold:' .. uid
  if redis.call('EXISTS', hk) == 1 then return end
  redis.call('SET', hk, kind, 'PX', ms(keep))
  local rk = MM .. ':review:' .. uid
  redis.call('DEL', rk)
  redis.call('HSET', rk, 'kind', kind, 'since', ms(now), 'text', text, 'count', count, 'details', details, 'held', '1')
  redis.call('PEXPIRE', rk, ms(keep))
  redis.call('ZADD', MM .. ':review:open', ms(now), uid)
  redis.call('PEXPIRE', MM .. ':review:open', ms(keep))
  local st = get_state(uid)
  if st.state == 'waiting' then
    index_del(uid, st)
    redis.call('ZADD', MM .. ':w', st.since, uid)
  end
end
