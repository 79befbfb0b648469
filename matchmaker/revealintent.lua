-- The matchmaking half of completing a contact exchange (consent.go), in the
-- matchmaking slot (KEYS[1]): refuse a pair that is blocked (a report blocks
-- too) or a side that is suspended or banned, else write the intent, an
-- outbox entry whose step queues the notices once the room's slot says the
-- exchange is done. ARGV: 1 user id, 2 partner's user id, 3 room id,
-- 4 outbox grace (ms).
-- Replies: {'refused'} | {'ok', outbox_id, steps_json}
local a, b = ARGV[1], ARGV[2]
if redis.call('EXISTS', MM .. ':bl:' .. pairkey(a, b), MM .. ':ban:' .. a, MM .. ':ban:' .. b,
    MM .. ':susp:' .. a, MM .. ':susp:' .. b) > 0 then
  return {'refused'}
end
local steps = {{op = 'reveal', room = ARGV[3]}}
return {'ok', outbox_add(now_ms() + tonumber(ARGV[4]), steps), cjson.encode(steps)}
