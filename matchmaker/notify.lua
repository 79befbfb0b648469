-- Queue a notice for the bot, in the notices slot. KEYS: 1 the stream, 2 the
-- once-key (the stream again when there is none). ARGV: telegram id, lang,
-- kind, notice id, until (Unix ms or ''), cooldown (ms), retention (ms),
-- optionally the partner's username of a contact exchange (consent.go).
-- Replies 1 when queued, 0 when the cooldown held it back.
if KEYS[2] ~= KEYS[1] then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[6]) then return 0 end
end
local f = {'id', ARGV[4], 'kind', ARGV[3], 'tg', ARGV[1], 'lang', ARGV[2], 'until', ARGV[5]}
if ARGV[8] and ARGV[8] ~= '' then f[#f + 1] = 'contact'; f[#f + 1] = ARGV[8] end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*', unpack(f))
-- Notices carry Telegram ids: nothing older than the retention is kept.
redis.call('XTRIM', KEYS[1], 'MINID', ms(now_ms() - tonumber(ARGV[7])))
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return 1
