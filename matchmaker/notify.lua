-- Queue a notice for the bot. ARGV: prefix, user id, kind, once-key ('' =
-- always), cooldown (ms), notice id, until (Unix ms or '').
-- Replies 1 when queued, 0 when the cooldown or a missing profile held it back.
local P, uid = ARGV[1], ARGV[2]
local u = redis.call('HMGET', P .. 'u:' .. uid, 'tg', 'lang')
if not u[1] then return 0 end
if ARGV[4] ~= '' then
  if not redis.call('SET', P .. 'nc:' .. ARGV[4], '1', 'NX', 'PX', ARGV[5]) then return 0 end
end
redis.call('XADD', P .. 'notices', 'MAXLEN', '~', '100000', '*',
  'id', ARGV[6], 'kind', ARGV[3], 'tg', u[1], 'lang', u[2] or '', 'until', ARGV[7])
return 1
