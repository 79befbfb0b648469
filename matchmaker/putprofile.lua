-- Write a profile (KEYS[1], the user's slot). ARGV: telegram id, nickname,
-- gender, age, lang ('' = keep), now (ms), interests (letter codes).
-- Replies: {version, old gender, old age} (the old values are '' for a new profile).
local k = KEYS[1]
local old = redis.call('HMGET', k, 'gender', 'age', 'created')
if not old[3] then redis.call('HSET', k, 'created', ARGV[6]) end
redis.call('HSET', k, 'tg', ARGV[1], 'nick', ARGV[2], 'gender', ARGV[3], 'age', ARGV[4], 'updated', ARGV[6], 'int', ARGV[7])
if ARGV[5] ~= '' then redis.call('HSET', k, 'lang', ARGV[5]) end
return {redis.call('HINCRBY', k, 'ver', 1), old[1] or '', old[2] or ''}
