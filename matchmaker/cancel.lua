-- Cancel a waiting search, in the matchmaking slot (KEYS[1]). ARGV: user id.
-- Replies: {'cancelled'} | {'idle'} | {'check_room', room_id} (the state
-- points at a room: the caller checks whether it is still active).
local uid = ARGV[1]
local st = get_state(uid)
if st.state == 'waiting' then
  unwait(uid, st, nil)
  return {'cancelled'}
end
if st.state == 'matched' then return {'check_room', st.room} end
if st.state == 'expired' then redis.call('DEL', MM .. ':st:' .. uid) end
return {'idle'}
