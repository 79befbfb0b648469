-- Generic cell rate algorithm for one action of one Telegram user: KEYS[1]
-- is the user's rate-limit hash (their slot), ARGV: action, emission
-- interval (ms), burst. Replies {1, 0} when allowed, {0, retry_after_ms}.
local T, burst = tonumber(ARGV[2]), tonumber(ARGV[3])
local wait = gcra(KEYS[1], ARGV[1], now_ms(), T, burst)
if wait > 0 then return {0, wait} end
if redis.call('PTTL', KEYS[1]) < T * burst then redis.call('PEXPIRE', KEYS[1], ms(T * burst)) end
return {1, 0}
