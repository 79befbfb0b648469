-- Close a room for both members (leave, report, suspension): it takes no
-- more messages. ARGV: user id of the member it is about, who closes it (that
-- user id, or 'system'), room TTL (s).
-- Replies: {'gone'} | {'ok', closed_by, member} where member is the user's
-- member id. The caller announces 'left' when closed_by is who it asked to
-- close: then this call, or an earlier run of the same step, closed it.
local s = side_of('u', ARGV[1])
if not s then return {'gone'} end
close(ARGV[2], now_ms())
touch(ARGV[3])
local r = redis.call('HMGET', ROOM, 'closed_by', 'm' .. s)
return {'ok', r[1], r[2]}
