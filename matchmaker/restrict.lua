-- Suspend or ban a user, in the matchmaking slot (KEYS[1]): their search
-- ends at once; closing their room and telling them are the outbox steps
-- this returns. ARGV: user id, 'suspended'|'banned', until (Unix ms, '0' =
-- for good), room TTL (s), outbox grace (ms).
-- Replies: {'ok', outbox_id, steps_json}
local steps = {}
local now = now_ms()
restrict_user(ARGV[1], ARGV[2], ARGV[3], now, tonumber(ARGV[4]), steps)
return {'ok', outbox_add(now + tonumber(ARGV[5]), steps), cjson.encode(steps)}
