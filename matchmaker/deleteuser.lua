-- The matchmaking half of /delete, in the matchmaking slot (KEYS[1]): the
-- search ends, the user's states go, and the outbox steps this returns clear
-- every room of theirs still kept (their messages leave their partners' view
-- at once) and delete the profile. ARGV: user id, telegram id, room TTL (s),
-- outbox grace (ms), delay of the second history removal (ms).
-- Replies: {'ok', outbox_id, steps_json}
local uid = ARGV[1]
local now = now_ms()
local room_ttl = tonumber(ARGV[3])
local st = get_state(uid)
local steps, later, seen = {}, {}, {}
local function add(rid, announce)
  if rid and rid ~= '' and not seen[rid] then
    seen[rid] = true
    steps[#steps + 1] = {op = 'clear_room', room = rid, user = uid, forget = true, announce = announce}
    steps[#steps + 1] = {op = 'remove_history', room = rid}
    steps[#steps + 1] = {op = 'delete_media', room = rid}
    later[#later + 1] = {op = 'remove_history', room = rid}
  end
end
if st.state == 'waiting' then
  unwait(uid, st, nil)
elseif st.state == 'matched' then
  end_room(st.room, uid, st.partner, now, room_ttl)
  add(st.room, true)
end
for _, rid in ipairs(redis.call('ZRANGE', MM .. ':ur:' .. uid, 0, -1)) do add(rid, false) end
redis.call('DEL', MM .. ':st:' .. uid, MM .. ':ur:' .. uid, MM .. ':pv:' .. uid)
-- Spam counting windows go; a hold and its open review stay (as bans do)
-- until an operator decides or the report retention ends them.
redis.call('DEL', MM .. ':sp:' .. uid, MM .. ':ql:' .. uid, MM .. ':dn:' .. uid)
steps[#steps + 1] = {op = 'delete_profile', user = uid, tg = ARGV[2]}
if #later > 0 then outbox_add(now + tonumber(ARGV[5]), later) end
return {'ok', outbox_add(now + tonumber(ARGV[4]), steps), cjson.encode(steps)}
