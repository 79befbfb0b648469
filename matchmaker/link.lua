-- Link a Telegram id to an internal user id (KEYS[1], the Telegram user's
-- slot), once: the link is kept for good, so blocks and bans outlive /delete
-- and a blocked person cannot come back by registering again. ARGV: the id
-- to use if there is none yet. Replies: {user id, 1 if new else 0}.
local id = redis.call('HGET', KEYS[1], 'id')
local new = 0
if not id then
  id = ARGV[1]
  new = 1
  redis.call('HSET', KEYS[1], 'id', id)
end
redis.call('HDEL', KEYS[1], 'deleted')
return {id, new}
