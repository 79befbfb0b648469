-- Take a matched user's search out of the index, in the matchmaking slot
-- (KEYS[1]): the outbox step matches of an earlier version left (a match
-- now takes the user out in its own call, search.lua). Only entries of that
-- search go. They carry its score, and no other search has that score (the
-- ms it started times 1,000, plus a counter modulo 1,000), so one
-- ZREMRANGEBYSCORE at that score per block takes out exactly its entry: if
-- the user searches again before this runs, the new entries stay.
-- Idempotent.
-- ARGV: 1 user id (the score names the search; the id shows in the slow
-- log), 2 where the search was filed,
-- '<pool><g><w>:<age_from>:<age_to>:<own age>:<score>' (the state's fields).
-- Replies: how many entries it removed.
local q, af, at, a, score = string.match(ARGV[2], '^(%a%a%a):(%d+):(%d+):(%d+):(%d+)$')
if not q then return redis.error_reply('unindex: bad filing ' .. ARGV[2]) end
local pool, g, w = string.sub(q, 1, 1), string.sub(q, 2, 2), string.sub(q, 3, 3)
local n = 0
for _, b in ipairs(blocks(pool, tonumber(af), tonumber(at))) do
  n = n + redis.call('ZREMRANGEBYSCORE', pkey(pool, g, w, b, a), score, score)
end
return n
