-- Helpers prepended to every script of this package (store.go: newScript).
-- A script cannot call another one, so the steps several scripts share live
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

-- dequeue takes a waiting user's entry out of the queue (st.q, st.qm are the
-- queue key and member kept in the user's state) and sets their state.
local function dequeue(P, uid, q, qm, state)
  redis.call('ZREM', q, qm)
  redis.call('ZREM', P .. 'waiting', uid)
  redis.call('HSET', P .. 's:' .. uid, 'state', state)
end

-- close_room closes an active room for both members a and b: it takes no
-- more messages, and a member whose current room it is becomes idle.
local function close_room(P, rid, a, b, by, now)
  redis.call('HSET', P .. 'r:' .. rid, 'state', 'closed', 'closed_at', ms(now), 'closed_by', by)
  redis.call('ZREM', P .. 'active', rid)
  for _, m in ipairs({a, b}) do
    local sk = P .. 's:' .. m
    if redis.call('HGET', sk, 'room') == rid then redis.call('HSET', sk, 'state', 'idle', 'room', '') end
  end
end

