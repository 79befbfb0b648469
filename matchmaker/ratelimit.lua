-- Generic cell rate algorithm: one key per (action, user) holds the
-- theoretical arrival time in ms. ARGV: key, emission interval (ms), burst.
-- Replies {1, 0} when allowed, {0, retry_after_ms} when not.
local key, T, burst = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local tat = tonumber(redis.call('GET', key) or '0')
if tat < now then tat = now end
local new_tat = tat + T
local allow_at = new_tat - burst * T
if allow_at > now then return {0, allow_at - now} end
redis.call('SET', key, ms(new_tat), 'PX', math.max(1, new_tat - now))
return {1, 0}
