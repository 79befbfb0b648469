-- Tell the matchmaking slot (KEYS[1]) that a profile changed. ARGV: user id,
-- new profile version, gender (m|f), age, nickname, language, search TTL (ms).
-- Searches filed with an older version are refused from now on; a waiting
-- search filed under another gender or age is cancelled (the index holds it
-- under the old values), otherwise its snapshot takes the new nickname.
-- Replies: {'cancelled'} | {'ok'}
local uid, ver = ARGV[1], tonumber(ARGV[2])
local pvk = MM .. ':pv:' .. uid
if ver > tonumber(redis.call('GET', pvk) or '0') then
  redis.call('SET', pvk, ARGV[2], 'PX', ms(tonumber(ARGV[7]) + 3600000))
end
local st = get_state(uid)
if st.state == 'waiting' and tonumber(st.ver or '0') < ver then
  if st.g ~= ARGV[3] or st.a ~= ARGV[4] then
    unwait(uid, st, nil)
    return {'cancelled'}
  end
  redis.call('HSET', MM .. ':st:' .. uid, 'nick', ARGV[5], 'lang', ARGV[6], 'ver', ARGV[2])
end
return {'ok'}
