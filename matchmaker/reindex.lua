-- Move the search index of the earlier version to the block index (mm.lua),
-- in the matchmaking slot (KEYS[1]), in short calls. The earlier version
-- filed each waiting user under every age they accepted, in
-- MM:q:<pool><g><w>:<x>:<a>, with heads MM:qh:<pool><g><w>:<x>. First each
-- waiting user is filed in the block index (a few per call, oldest first);
-- then the old keys are deleted by name (they are all known: no SCAN), a
-- few rows of ages per call. MM:ix is '2' once done (or at once on a store
-- that never had the old index), so this costs one GET from then on.
-- Searches filed by a process of the earlier version after the move are
-- not moved: stop those processes before starting this version's.
-- ARGV: 1 users moved per call, 2 rows of old keys deleted per call.
-- Replies: 'done' | 'more'.
if redis.call('GET', MM .. ':ix') == '2' then return 'done' end
local users, rows_per_call = tonumber(ARGV[1]), tonumber(ARGV[2])

-- The old keys, as rows: each row is one heads set and the partitions of
-- its ages.
local rows = {}
for _, p in ipairs({{'a', 18, 99}, {'m', 16, 17}}) do
  for _, gw in ipairs({'mm', 'mf', 'ma', 'fm', 'ff', 'fa'}) do
    for x = p[2], p[3] do
      rows[#rows + 1] = {q = MM .. ':q:' .. p[1] .. gw .. ':' .. x .. ':', h = MM .. ':qh:' .. p[1] .. gw .. ':' .. x, lo = p[2], hi = p[3]}
    end
  end
end

local phase = redis.call('GET', MM .. ':ix:phase')
if not phase then
  local heads = {}
  for _, r in ipairs(rows) do heads[#heads + 1] = r.h end
  -- A partition with entries always has its age in its heads set.
  if redis.call('EXISTS', unpack(heads)) == 0 then
    redis.call('SET', MM .. ':ix', '2')
    return 'done'
  end
  phase = 'move'
  redis.call('SET', MM .. ':ix:phase', phase)
end

if phase == 'move' then
  -- The waiting list by when each started, from the last one moved
  -- (inclusive: filing again changes nothing).
  local from = redis.call('GET', MM .. ':ix:at') or '-inf'
  local r = redis.call('ZRANGEBYSCORE', MM .. ':w', from, '+inf', 'WITHSCORES', 'LIMIT', 0, users)
  for j = 1, #r, 2 do
    local uid = r[j]
    local st = get_state(uid)
    if st.state == 'waiting' and redis.call('EXISTS', MM .. ':hold:' .. uid) == 0 then index_add(uid, st) end
  end
  if #r < 2 * users then
    redis.call('SET', MM .. ':ix:phase', 'delete')
  else
    local last = tonumber(r[#r])
    -- More users than one call takes started in the same ms: move on.
    if from ~= '-inf' and last == tonumber(from) then last = last + 1 end
    redis.call('SET', MM .. ':ix:at', ms(last))
  end
  return 'more'
end

local done = tonumber(redis.call('GET', MM .. ':ix:del') or '0')
local stop = math.min(#rows, done + rows_per_call)
for i = done + 1, stop do
  local r = rows[i]
  local names = {r.h}
  for a = r.lo, r.hi do names[#names + 1] = r.q .. a end
  redis.call('DEL', unpack(names))
end
if stop < #rows then
  redis.call('SET', MM .. ':ix:del', stop)
  return 'more'
end
redis.call('DEL', MM .. ':ix:phase', MM .. ':ix:at', MM .. ':ix:del')
redis.call('SET', MM .. ':ix', '2')
return 'done'
