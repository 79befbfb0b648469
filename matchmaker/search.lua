-- Search for a partner, atomically, in the matchmaking slot (KEYS[1]).
-- ARGV: 1 user id, 2 own gender (m|f), 3 own age, 4 nickname, 5 telegram id,
-- 6 language, 7 profile version, 8 wanted gender (m|f|a), 9 age_from,
-- 10 age_to, 11 search TTL (ms), 12 new room id, 13 my new member id,
-- 14 partner's new member id, 15 room TTL (s), 16 a room the caller checked
-- is no longer active ('' = none), 17 most candidates looked at, 18 outbox
-- grace (ms), 19 own interests (letter codes), 20 the interest window (ms),
-- 21 most entries of searches that are over dropped on the way.
-- Replies: {'restricted', 'banned'|'suspended', until_ms ('0' = for good)}
--        | {'stale_profile'} (the profile changed since it was read: read it again)
--        | {'bad_range'}
--        | {'check_room', room_id} (the state points at a room: is it still active?)
--        | {'waiting', since_ms, expired_ids}
--        | {'matched', room_id, outbox_id, steps_json, expired_ids, record_json}
-- expired_ids: users whose search had expired and was found here, comma-
-- separated; the caller tells them.
--
-- The index (mm.lua) files each waiting user under the blocks of ages
-- that make up the range they accept. A searcher of age x who wants ages
-- af..at reads, for each gender pair that accepts both ways (at most 4)
-- and each block that holds x (at most 7), the heads of the ages there,
-- oldest first (16 ages a call), and reads a partition only when its head
-- comes first: usually one or two, whoever else is waiting. Every entry is
-- mutually compatible; the oldest that is not blocked, in cooldown or
-- expired is the match.
-- At most ARGV[17] candidates are looked at (blocked pairs and expired
-- entries are skipped one by one), so a search's cost stays bounded.
-- Interests: among the compatible users who started waiting within the
-- window (ARGV[20]) of the oldest one, the oldest who shares an interest
-- with the searcher is preferred; with none, the oldest. So the preference
-- never passes over anyone who waited longer by more than the window.
local uid, mg, mage = ARGV[1], ARGV[2], tonumber(ARGV[3])
local want = ARGV[8]
local af, at = tonumber(ARGV[9]), tonumber(ARGV[10])
local ttl = tonumber(ARGV[11])
local room_ttl = tonumber(ARGV[15])
local now = now_ms()

local ban = redis.call('GET', MM .. ':ban:' .. uid)
if ban then return {'restricted', 'banned', ban} end
local susp = redis.call('GET', MM .. ':susp:' .. uid)
if susp then return {'restricted', 'suspended', susp} end
if tonumber(ARGV[7]) < tonumber(redis.call('GET', MM .. ':pv:' .. uid) or '0') then return {'stale_profile'} end

local skey = MM .. ':st:' .. uid
local st = get_state(uid)
if st.state == 'waiting' then
  if tonumber(st.since) + ttl > now then return {'waiting', st.since, ''} end
  unwait(uid, st, nil) -- expired, and the sweeper has not got to it yet: search afresh
elseif st.state == 'matched' then
  if st.room ~= ARGV[16] then return {'check_room', st.room} end
  redis.call('DEL', skey)
end

-- A user on hold (spam across chats) waits without being filed where
-- anyone could find them, and finds nobody.
local held = redis.call('EXISTS', MM .. ':hold:' .. uid) == 1

-- Minors meet only minors, adults only adults, whatever the filters say.
local pool, wants
pool, af, at, wants = search_range(mage, want, af, at)
if not af then return {'bad_range'} end
if held then wants = {} end

-- The heads sets list ages by their partitions' lower bounds, oldest
-- first, so a searcher reads each a few ages at a time (HEADS_CHUNK) and
-- stops as soon as the oldest entry is known: with the ages it accepts
-- filled, that is the first chunk; ages outside its range are passed over.
-- Corrections to the heads are kept until the loop is over, so the sets do
-- not move under the cursors.
local HEADS_CHUNK = 16
local cursors = {}
local mypath = path(pool, mage)
for _, cg in ipairs(wants) do
  for _, cw in ipairs({mg, 'a'}) do
    for _, b in ipairs(live_blocks(pool, cg, cw, mypath)) do
      cursors[#cursors + 1] = {g = cg, w = cw, b = b, hk = phkey(pool, cg, cw, b), pos = 0, r = {}, j = 1, last = false}
    end
  end
end

-- peek reads a cursor's next age in the searcher's range, with its lower
-- bound (c.a, c.s); c.a is nil once the set is read to its end.
local function peek(c)
  while c.a == nil do
    if c.j > #c.r then
      if c.last then return end
      c.r = redis.call('ZRANGE', c.hk, c.pos, c.pos + HEADS_CHUNK - 1, 'WITHSCORES')
      c.pos, c.j = c.pos + HEADS_CHUNK, 1
      c.last = #c.r < 2 * HEADS_CHUNK
      if #c.r == 0 then
        -- No ages under this block: no partition there has entries.
        if c.pos == HEADS_CHUNK then redis.call('SREM', pbkey(pool, c.g, c.w), c.b) end
        return
      end
    end
    local n = tonumber(c.r[c.j])
    if n >= af and n <= at then c.a, c.s = c.r[c.j], tonumber(c.r[c.j + 1]) end
    c.j = c.j + 2
  end
end

-- next_in moves a head to the entry at index i of its partition.
local function next_in(h, i)
  local r = redis.call('ZRANGE', h.k, i, i, 'WITHSCORES')
  if r[1] then
    h.i, h.u, h.s = i, r[1], tonumber(r[2])
  else
    h.s = nil
  end
end

-- oldest returns the open head (a partition being read) whose next entry
-- waited longest. An age whose lower bound comes before every open head's
-- next entry is opened first: its partition is read and the heads set will
-- learn its true score (or lose an empty age).
local heads, fixes = {}, {}
local function oldest()
  while true do
    local best, bc = nil, nil
    for _, h in ipairs(heads) do
      if h.s and (best == nil or h.s < best.s) then best = h end
    end
    for _, c in ipairs(cursors) do
      peek(c)
      if c.a and (best == nil or c.s < best.s) then best, bc = c, c end
    end
    if bc == nil then return best end
    local h = {hk = bc.hk, a = bc.a, k = pkey(pool, bc.g, bc.w, bc.b, bc.a)}
    local bound = bc.s
    bc.a, bc.s = nil, nil
    next_in(h, 0)
    if h.s ~= bound then fixes[#fixes + 1] = {h.hk, h.a, h.s} end
    heads[#heads + 1] = h
  end
end

local expired = {}
local cutoff = (now - ttl) * 1000
local myint, window = ARGV[19], tonumber(ARGV[20]) * 1000
local found, fst = nil, nil
local first, firstst, first_s = nil, nil, nil
-- Entries of searches that are over are dropped without counting against
-- the candidates looked at (searches whose state expired before a sweeper
-- came must not make a search give up on the compatible users behind
-- them); ARGV[21] bounds those drops too.
local looked, dropped = 0, 0
while looked < tonumber(ARGV[17]) and dropped < tonumber(ARGV[21]) do
  local best = oldest()
  if best == nil or (first and best.s > first_s + window) then break end
  local cuid = best.u
  local cst = get_state(cuid)
  if cst.state ~= 'waiting' or tonumber(cst.score) ~= best.s then
    -- An entry of a search that is over: its state is gone (it expired
    -- while no sweeper ran), or the user searches again with new entries
    -- (a new score) while an old one lingers here. Drop it from this
    -- partition; other partitions shed it the same way.
    redis.call('ZREM', best.k, cuid)
    next_in(best, best.i)
    dropped = dropped + 1
  else
    looked = looked + 1
    if best.s < cutoff then
      if #expired < 2 then
        -- Expired but not swept yet: expire it now (it leaves this
        -- partition, so the next entry moves up to the same index). More
        -- than a couple are left to the sweeper: unfiling one touches every
        -- age it accepted, and a search stays short.
        unwait(cuid, cst, 'expired')
        expired[#expired + 1] = cuid
        next_in(best, best.i)
      else
        next_in(best, best.i + 1)
      end
    elseif cuid == uid or redis.call('EXISTS', MM .. ':cd:' .. pairkey(uid, cuid), MM .. ':bl:' .. pairkey(uid, cuid)) > 0 then
      next_in(best, best.i + 1)
    elseif myint == '' or shared(myint, cst.int) ~= '' then
      found, fst = cuid, cst
      break
    else
      if not first then first, firstst, first_s = cuid, cst, best.s end
      next_in(best, best.i + 1) -- someone a little newer may share an interest
    end
  end
end
if not found and first then found, fst = first, firstst end
for _, f in ipairs(fixes) do
  if f[3] == nil then
    redis.call('ZREM', f[1], f[2])
  else
    redis.call('ZADD', f[1], f[3], f[2])
  end
end
local exp = table.concat(expired, ',')

if found then
  -- The matched user leaves the waiting list and the index (at most 10
  -- partitions).
  index_del(found, fst)
  local rid = ARGV[12]
  local rec = cjson.encode({id = rid, created = now, si = shared(myint, fst.int),
    a = {uid = found, member = ARGV[14], nick = fst.nick, gender = fst.g, age = tonumber(fst.a), tg = fst.tg, lang = fst.lang or ''},
    b = {uid = uid, member = ARGV[13], nick = ARGV[4], gender = mg, age = mage, tg = ARGV[5], lang = ARGV[6]}})
  redis.call('SET', MM .. ':m:' .. rid, rec, 'EX', 3600)
  for _, p in ipairs({{found, ARGV[14], uid}, {uid, ARGV[13], found}}) do
    local k = MM .. ':st:' .. p[1]
    redis.call('DEL', k)
    redis.call('HSET', k, 'state', 'matched', 'room', rid, 'member', p[2], 'partner', p[3])
    redis.call('EXPIRE', k, 2 * room_ttl)
    recent(p[1], rid, now, room_ttl)
  end
  redis.call('ZADD', MM .. ':active', now, rid)
  redis.call('INCR', MM .. ':stats:matches')
  -- How long the one who waited waited, for the expected wait of people
  -- with similar filters (the last 100 of their kind).
  local wk = MM .. ':wt:' .. wait_kind(fst.pool, fst.g, fst.w, fst.af, fst.at)
  redis.call('LPUSH', wk, ms(now - tonumber(fst.since)) .. ':' .. ms(now))
  redis.call('LTRIM', wk, 0, 99)
  redis.call('EXPIRE', wk, 2 * 86400)
  local steps = {{op = 'create_room', room = rid}, {op = 'matched', room = rid, user = found}}
  return {'matched', rid, outbox_add(now + tonumber(ARGV[18]), steps), cjson.encode(steps), exp, rec}
end

local since = ms(now)
local me = {state = 'waiting', since = since, score = ms(now * 1000 + redis.call('INCR', MM .. ':seq') % 1000),
  pool = pool, g = mg, w = want, af = tostring(af), at = tostring(at), a = tostring(mage),
  nick = ARGV[4], tg = ARGV[5], lang = ARGV[6], ver = ARGV[7], int = ARGV[19]}
if held then
  redis.call('ZADD', MM .. ':w', me.since, uid) -- it still expires as any search
else
  index_add(uid, me)
end
local fields = {}
for _, f in ipairs(ST) do
  if me[f] then fields[#fields + 1] = f; fields[#fields + 1] = me[f] end
end
redis.call('HSET', skey, unpack(fields))
redis.call('PEXPIRE', skey, ttl + 3600000)
return {'waiting', since, exp}
