-- Create or update a profile. ARGV: prefix, telegram id, new internal id
-- (used only for a new user), nickname, gender, age, lang, now (ms).
-- Returns the internal id.
local P, tg = ARGV[1], ARGV[2]
local id = redis.call('GET', P .. 'tg:' .. tg)
if not id then
  id = ARGV[3]
  redis.call('SET', P .. 'tg:' .. tg, id)
  redis.call('HSET', P .. 'u:' .. id, 'created', ARGV[8])
  redis.call('INCR', P .. 'stats:users')
end
local ukey = P .. 'u:' .. id
local old = redis.call('HMGET', ukey, 'gender', 'age')
redis.call('HSET', ukey, 'tg', tg, 'nick', ARGV[4], 'gender', ARGV[5], 'age', ARGV[6], 'updated', ARGV[8])
if ARGV[7] ~= '' then redis.call('HSET', ukey, 'lang', ARGV[7]) end

-- A waiting search was filed under the old gender and age: cancel it.
if old[1] ~= ARGV[5] or old[2] ~= ARGV[6] then
  local st = redis.call('HMGET', P .. 's:' .. id, 'state', 'q', 'qm')
  if st[1] == 'waiting' then dequeue(P, id, st[2], st[3], 'idle') end
end
return id
