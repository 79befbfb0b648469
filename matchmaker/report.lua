-- File a report, in the matchmaking slot (KEYS[1]): in one atomic step the
-- report is kept for operators with its evidence (and when the pair
-- exchanged contacts, if they did: consent.go), the pair is blocked for
-- good, the room ends for both, and when enough distinct users reported the
-- same person within the window, that person is suspended. Closing the
-- rooms and telling people are the outbox steps this returns.
-- ARGV: 1 reporter id, 2 reported id, 3 room id, 4 reason, 5 comment,
-- 6 report id, 7 evidence (JSON array of messages), 8 reporter's member id,
-- 9 reporter's telegram id, 10 reported's telegram id, 11 window (ms),
-- 12 reports to suspend, 13 suspension (ms), 14 retention (ms), 15 room TTL
-- (s), 16 outbox grace (ms), 17 whether the room was still active ('1'|''),
-- 18 the media ids the evidence holds (JSON array; '' = none), 19 the
-- reporter is a minor ('1'|''): minors mode puts it first in the
-- operators' queue.
-- Replies: {'dup'} (this reporter already reported this room)
--        | {'reported', outbox_id, steps_json, suspended_until_ms or ''}
local uid, other, rid = ARGV[1], ARGV[2], ARGV[3]
local now = now_ms()
local retention = tonumber(ARGV[14])
local room_ttl = tonumber(ARGV[15])
if not redis.call('SET', MM .. ':rep:' .. rid .. ':' .. uid, '1', 'NX', 'PX', ms(retention)) then return {'dup'} end

redis.call('SET', MM .. ':bl:' .. pairkey(uid, other), '1')
end_room(rid, uid, other, now, room_ttl)

local rkey = MM .. ':reports'
local sid = redis.call('XADD', rkey, '*', 'id', ARGV[6], 'reason', ARGV[4], 'comment', ARGV[5],
  'ts', ms(now), 'room', rid, 'reporter', uid, 'reported', other, 'reporter_member', ARGV[8],
  'reporter_tg', ARGV[9], 'reported_tg', ARGV[10], 'evidence', ARGV[7],
  'exchanged', redis.call('GET', MM .. ':xch:' .. pairkey(uid, other)) or '')
-- Reports are kept for the retention the privacy policy promises.
redis.call('XTRIM', rkey, 'MINID', ms(now - retention))
redis.call('PEXPIRE', rkey, ms(retention))
local open = MM .. ':reports:open'
local rank = now
if ARGV[19] == '1' then rank = now - 1e13 end -- before every adult's report
redis.call('ZADD', open, ms(rank), sid)
-- Past the retention: adults' reports (scored by time) and minors' (scored
-- 1e13 ms earlier, far below any adult's).
redis.call('ZREMRANGEBYSCORE', open, ms(now - 1e12), ms(now - retention))
redis.call('ZREMRANGEBYSCORE', open, '-inf', ms(now - 1e13 - retention))
redis.call('PEXPIRE', open, ms(retention))

local steps = {}
-- The evidence's photos are copied for the operators before anything can
-- delete the room's media.
if ARGV[18] ~= '' then steps[#steps + 1] = {op = 'keep_media', room = rid, report = sid, media = cjson.decode(ARGV[18])} end
if ARGV[17] == '1' then steps[#steps + 1] = {op = 'close_room', room = rid, user = uid, by = uid} end
local rk = MM .. ':rptd:' .. other
local window = tonumber(ARGV[11])
redis.call('ZADD', rk, ms(now), uid)
redis.call('ZREMRANGEBYSCORE', rk, '-inf', ms(now - window))
redis.call('PEXPIRE', rk, ms(window))
local suspended = ''
if redis.call('ZCARD', rk) >= tonumber(ARGV[12])
  and redis.call('EXISTS', MM .. ':susp:' .. other, MM .. ':ban:' .. other) == 0 then
  suspended = ms(now + tonumber(ARGV[13]))
  restrict_user(other, 'suspended', suspended, now, room_ttl, steps)
end
local ob = ''
if #steps > 0 then ob = outbox_add(now + tonumber(ARGV[16]), steps) end
return {'reported', ob, cjson.encode(steps), suspended}
