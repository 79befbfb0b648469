-- Take a matched user's search out of the index, in the matchmaking slot
-- (KEYS[1]): the outbox step search.lua leaves so that the matching call
-- stays short. Only entries of that search go (they carry its score): if
-- the user searches again before this runs, the new entries stay. Until it
-- runs, searches skip and drop the entries of a search that is over
-- (search.lua), so nobody is matched twice. Idempotent.
-- ARGV: 1 user id, 2 where the search was filed,
-- '<pool><g><w>:<age_from>:<age_to>:<own age>:<score>' (the state's fields).
-- Replies: how many entries it removed.
local uid = ARGV[1]
local q, af, at, a, score = string.match(ARGV[2], '^(%a%a%a):(%d+):(%d+):(%d+):(%d+)$')
if not q then return redis.error_reply('unindex: bad filing ' .. ARGV[2]) end
local pool, g, w = string.sub(q, 1, 1), string.sub(q, 2, 2), string.sub(q, 3, 3)
local n = 0
for x = tonumber(af), tonumber(at) do
  local k = qkey(pool, g, w, x, a)
  local s = redis.call('ZSCORE', k, uid)
  if s and tonumber(s) == tonumber(score) then
    redis.call('ZREM', k, uid)
    n = n + 1
  end
end
return n
