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

-- The search index. The ages of a pool (adults 18-99, minors 16-17) are
-- the leaves of a binary tree of aligned blocks: block 'k.i' holds the ages
-- base + i*2^k .. base + (i+1)*2^k - 1. A waiting user who accepts ages
-- af..at is filed once under each block of the fewest aligned blocks that
-- make up af..at exactly (blocks below: at most 10 for adults, 3 for
-- 18-99), in MM:p:<pool><g><w>:<block>:<a> (pool 'a' adults | 'm' minors,
-- own gender g 'm'|'f', wanted gender w 'm'|'f'|'a', own age a), scored by
-- when they started waiting. The blocks that hold an age x are one per
-- level (path below: at most 7), so a searcher of age x reads only users
-- who accept x, each exactly once, and only those whose own age it accepts
-- (the heads, next): every user found there is mutually compatible by age
-- and gender, and neither a search nor a filing costs more with more users
-- waiting. (Filing under every accepted age, as before, took up to 82
-- entries and 164 calls per filing.)
-- MM:ph:<pool><g><w>:<block> (the heads) holds, for each own age a with a
-- partition under that block, a score no later than the partition's
-- oldest entry.
-- MM:pb:<pool><g><w> (the blocks) is a set holding every block whose heads
-- set may have ages: filing adds its blocks, and a search that finds a
-- heads set empty removes the block. So a searcher asks it once which of
-- the 7 blocks of its path to read (most are empty) instead of reading each.
local function pkey(pool, g, w, b, a) return MM .. ':p:' .. pool .. g .. w .. ':' .. b .. ':' .. a end
local function phkey(pool, g, w, b) return MM .. ':ph:' .. pool .. g .. w .. ':' .. b end
local function pbkey(pool, g, w) return MM .. ':pb:' .. pool .. g .. w end

local function pool_ages(pool)
  if pool == 'm' then return 16, 17 end
  return 18, 99
end

-- blocks lists the fewest aligned blocks that make up ages af..at exactly.
local function blocks(pool, af, at)
  local base = pool_ages(pool)
  local lo, hi, out = af - base, at - base, {}
  while lo <= hi do
    local k, w = 0, 1
    while lo % (2 * w) == 0 and lo + 2 * w - 1 <= hi do k, w = k + 1, 2 * w end
    out[#out + 1] = string.format('%d.%d', k, lo / w)
    lo = lo + w
  end
  return out
end

-- live_blocks lists the blocks of path (of pool, own gender g, wanted
-- gender w) whose heads may have ages, with one SMISMEMBER.
local function live_blocks(pool, g, w, path)
  local has = redis.call('SMISMEMBER', pbkey(pool, g, w), unpack(path))
  local out = {}
  for i, b in ipairs(path) do
    if has[i] == 1 then out[#out + 1] = b end
  end
  return out
end

-- path lists the blocks of the pool that hold age x, one per level.
local function path(pool, x)
  local base, top = pool_ages(pool)
  local o, out, w, k = x - base, {}, 1, 0
  while w <= top - base + 1 do
    local i = math.floor(o / w)
    if (i + 1) * w - 1 <= top - base then out[#out + 1] = string.format('%d.%d', k, i) end
    k, w = k + 1, 2 * w
  end
  return out
end

-- The heads are kept a lower bound, never more: filing a user lowers an
-- age's head score to theirs if it is older (ZADD LT), and taking users out
-- touches only their partitions (a match, a cancel or an expiry must not
-- hold Redis long), which can only make the true head later. A search that
-- reads a partition sets its head score to the truth, or drops the age once
-- the partition is empty. The heads name no user (ages and times only), so
-- they keep no TTL: at most 2 genders x 3 wants x 164 blocks (161 adult,
-- 3 minor) small sets, and the block sets likewise.
local function index_add(uid, st)
  local a = st.a
  local bs = blocks(st.pool, tonumber(st.af), tonumber(st.at))
  for _, b in ipairs(bs) do
    redis.call('ZADD', pkey(st.pool, st.g, st.w, b, a), st.score, uid)
    redis.call('ZADD', phkey(st.pool, st.g, st.w, b), 'LT', st.score, a)
  end
  redis.call('SADD', pbkey(st.pool, st.g, st.w), unpack(bs))
  redis.call('ZADD', MM .. ':w', st.since, uid)
end

local function index_del(uid, st)
  local a = st.a
  for _, b in ipairs(blocks(st.pool, tonumber(st.af), tonumber(st.at))) do
    redis.call('ZREM', pkey(st.pool, st.g, st.w, b, a), uid)
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
