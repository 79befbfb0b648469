-- Helpers prepended to every script of this package (store.go: newScript).
-- A script cannot call another one, so steps several scripts share live
-- here, once.

-- now_ms is the server's clock in Unix ms (one clock for every replica).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- ms formats a number of ms exactly (Lua prints large numbers as 1.8e+12).
local function ms(n)
  return string.format('%.0f', n)
end

-- gcra counts one event against a generic cell rate limit whose state (the
-- theoretical arrival time, ms) is the field f of hash h. T is the emission
-- interval (ms), burst the events allowed at once. Returns 0 when allowed,
-- else the ms to wait.
local function gcra(h, f, now, T, burst)
  local tat = tonumber(redis.call('HGET', h, f) or '0')
  if tat < now then tat = now end
  local allow_at = tat + T - burst * T
  if allow_at > now then return allow_at - now end
  redis.call('HSET', h, f, ms(tat + T))
  return 0
end
