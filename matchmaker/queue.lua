-- Count the users searching now whose filters and the caller's accept each
-- other, in the matchmaking slot (KEYS[1]). ARGV: caller's user id, own
-- gender (m|f), own age, wanted gender (m|f|a), age_from, age_to.
-- Replies: {'ok', count, recent waits ('wait_ms:at_ms', newest first)...}
--        | {'bad_range'}
-- It reads the same partitions a search would (up to 4 gender pairs x 7
-- blocks x the ages there, one ZCARD each), so its cost does not grow with
-- the queue. The caller's own entry is not counted: only the partitions of
-- their own gender and age can hold it.
local uid, mg, mage, want = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local pool, af, at, wants = search_range(mage, want, tonumber(ARGV[5]), tonumber(ARGV[6]))
if not af then return {'bad_range'} end
local n = 0
for _, cg in ipairs(wants) do
  for _, cw in ipairs({mg, 'a'}) do
    for _, b in ipairs(live_blocks(pool, cg, cw, path(pool, mage))) do
      for _, ca in ipairs(redis.call('ZRANGE', phkey(pool, cg, cw, b), 0, -1)) do
        local x = tonumber(ca)
        if x >= af and x <= at then
          local k = pkey(pool, cg, cw, b, ca)
          n = n + redis.call('ZCARD', k)
          if cg == mg and x == mage and redis.call('ZSCORE', k, uid) then n = n - 1 end
        end
      end
    end
  end
end
local out = {'ok', n}
for _, x in ipairs(redis.call('LRANGE', MM .. ':wt:' .. wait_kind(pool, mg, want, af, at), 0, -1)) do out[#out + 1] = x end
return out
