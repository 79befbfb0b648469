-- File a report on the partner of a closed room. ARGV: prefix, reporter id,
-- room id, reason, comment, report id, window (ms), reports to suspend,
-- suspension (ms). The room was already closed with a block by the caller.
-- Replies: {'not_found'} | {'forbidden'} | {'dup'}
--        | {'reported', reported_id, ''} | {'reported', reported_id, until_ms}
-- (until set when this report suspended the reported user).
local P, uid, rid = ARGV[1], ARGV[2], ARGV[3]
local rkey = P .. 'r:' .. rid
local r = redis.call('HMGET', rkey, 'a', 'b', 'ma', 'mb')
if not r[1] then return {'not_found'} end
local other, mine
if r[1] == uid then other, mine = r[2], r[3] elseif r[2] == uid then other, mine = r[1], r[4] else return {'forbidden'} end
if not redis.call('SET', P .. 'rep:' .. rid .. ':' .. uid, '1', 'NX', 'EX', 30 * 86400) then return {'dup'} end

local now = now_ms()
local nows = ms(now)
local tg1 = redis.call('HGET', P .. 'u:' .. uid, 'tg') or ''
local tg2 = redis.call('HGET', P .. 'u:' .. other, 'tg') or ''
local evidence = '[' .. table.concat(redis.call('LRANGE', rkey .. ':m', -50, -1), ',') .. ']'
local sid = redis.call('XADD', P .. 'reports', '*', 'id', ARGV[6], 'reason', ARGV[4], 'comment', ARGV[5],
  'ts', nows, 'room', rid, 'reporter', uid, 'reported', other, 'reporter_member', mine, 'reporter_tg', tg1, 'reported_tg', tg2,
  'evidence', evidence)
redis.call('ZADD', P .. 'reports:open', nows, sid)

local rk = P .. 'rptd:' .. other
redis.call('ZADD', rk, nows, uid)
redis.call('ZREMRANGEBYSCORE', rk, '-inf', ms(now - tonumber(ARGV[7])))
redis.call('PEXPIRE', rk, ARGV[7])
if redis.call('ZCARD', rk) >= tonumber(ARGV[8])
  and redis.call('EXISTS', P .. 'susp:' .. other, P .. 'ban:' .. other) == 0 then
  return {'reported', other, ms(now + tonumber(ARGV[9]))}
end
return {'reported', other, ''}
