-- Search for a partner, atomically.
-- ARGV: 1 prefix, 2 user id, 3 wanted gender (any|male|female), 4 age_from,
-- 5 age_to, 6 search TTL (ms), 7 new room id, 8 my new member id,
-- 9 partner's new member id, 10 room TTL (s).
-- Replies: {'no_profile'} | {'bad_range'} | {'waiting', since_ms}
--        | {'restricted', 'banned'|'suspended', until_ms ('0' = for good)}
--        | {'matched', room_id, 'existing'|'new'}
--
-- The queue is one sorted set per (pool, own gender, wanted gender); pool is
-- 'a' (adults) or 'm' (minors), so minors and adults never share a set.
-- Member: three bytes (age_from, age_to, age) then the user id, so the scan
-- reads a candidate with one string.byte; score: enqueue ms * 1000 + a
-- sequence number, so lower is older. A search looks only at the sets whose
-- users it could accept and who could accept it (at most four), and walks
-- them merged by score: the first mutually compatible user found is the
-- longest-waiting one.
local P, uid, want = ARGV[1], ARGV[2], ARGV[3]
local af, at = tonumber(ARGV[4]), tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local now = now_ms()

local me = redis.call('HMGET', P .. 'u:' .. uid, 'gender', 'age', 'nick')
if not me[1] then return {'no_profile'} end
local mg, mage = me[1], tonumber(me[2])

local ban = redis.call('GET', P .. 'ban:' .. uid)
if ban then return {'restricted', 'banned', ban} end
local susp = redis.call('GET', P .. 'susp:' .. uid)
if susp then return {'restricted', 'suspended', susp} end

local skey = P .. 's:' .. uid
local st = redis.call('HMGET', skey, 'state', 'room', 'since', 'q', 'qm')
if st[1] == 'waiting' then
  if tonumber(st[3]) + ttl > now then return {'waiting', st[3]} end
  -- Expired, and the sweeper has not got to it yet: search afresh.
  dequeue(P, uid, st[4], st[5], 'idle')
elseif st[1] == 'matched' and redis.call('HGET', P .. 'r:' .. st[2], 'state') == 'active' then
  return {'matched', st[2], 'existing'}
end

-- Minors meet only minors, adults only adults, whatever the filters say.
local adult = mage >= 18
if adult then
  af, at = math.max(af, 18), math.min(at, 99)
else
  af, at = math.max(af, 16), math.min(at, 17)
end
if af > at then return {'bad_range'} end
local pool = adult and 'a' or 'm'

local wants = {want}
if want == 'any' then wants = {'male', 'female'} end
local buckets = {}
for _, cg in ipairs(wants) do
  for _, cw in ipairs({mg, 'any'}) do
    buckets[#buckets + 1] = {key = P .. 'q:' .. pool .. ':' .. cg .. ':' .. cw, pos = 0, done = false}
  end
end

-- Each bucket is read in batches: b.r is the raw ZRANGE reply (member,
-- score, member, score, ...), b.k the head's index in it and b.s the head's
-- score, nil once the bucket is exhausted.
local BATCH = 512
local function advance(b)
  b.k = b.k + 2
  if b.k > #b.r then
    if b.done then b.s = nil return end
    b.r = redis.call('ZRANGE', b.key, b.pos, b.pos + BATCH - 1, 'WITHSCORES')
    b.pos, b.k = b.pos + BATCH, 1
    if #b.r < 2 * BATCH then b.done = true end
    if #b.r == 0 then b.s = nil return end
  end
  b.s = tonumber(b.r[b.k + 1])
end
for _, b in ipairs(buckets) do
  b.r, b.k = {}, -1
  advance(b)
end

local function pairkey(a, b)
  if a < b then return a .. ':' .. b end
  return b .. ':' .. a
end

local cutoff = (now - ttl) * 1000
while true do
  local bestb = nil
  for _, b in ipairs(buckets) do
    if b.s and (bestb == nil or b.s < bestb.s) then bestb = b end
  end
  if bestb == nil then break end
  local m, score = bestb.r[bestb.k], bestb.s
  advance(bestb)

  local caf, cat, cage = string.byte(m, 1, 3)
  if score >= cutoff and cage >= af and cage <= at and mage >= caf and mage <= cat
    and (cage >= 18) == adult and string.sub(m, 4) ~= uid then
    local cuid = string.sub(m, 4)
    local pk = pairkey(uid, cuid)
    if redis.call('EXISTS', P .. 'cd:' .. pk, P .. 'bl:' .. pk) == 0 then
      redis.call('ZREM', bestb.key, m)
      redis.call('ZREM', P .. 'waiting', cuid)
      local c = redis.call('HMGET', P .. 'u:' .. cuid, 'gender', 'age', 'nick')
      local rid = ARGV[7]
      local rkey = P .. 'r:' .. rid
      redis.call('HSET', rkey, 'state', 'active', 'created', ms(now),
        'a', cuid, 'ma', ARGV[9], 'na', c[3] or '', 'ga', c[1] or '', 'aa', c[2] or '',
        'b', uid, 'mb', ARGV[8], 'nb', me[3], 'gb', mg, 'ab', me[2])
      redis.call('EXPIRE', rkey, ARGV[10])
      redis.call('ZADD', P .. 'active', ms(now), rid)
      redis.call('HSET', P .. 's:' .. cuid, 'state', 'matched', 'room', rid)
      redis.call('HSET', skey, 'state', 'matched', 'room', rid)
      redis.call('INCR', P .. 'stats:matches')
      return {'matched', rid, 'new'}
    end
  end
end

local seq = redis.call('INCR', P .. 'seq') % 1000
local score = ms(now * 1000 + seq)
local member = string.char(af, at, mage) .. uid
local qkey = P .. 'q:' .. pool .. ':' .. mg .. ':' .. want
redis.call('ZADD', qkey, score, member)
redis.call('ZADD', P .. 'waiting', ms(now), uid)
local since = ms(now)
redis.call('HSET', skey, 'state', 'waiting', 'since', since, 'q', qkey, 'qm', member, 'room', '')
return {'waiting', since}
