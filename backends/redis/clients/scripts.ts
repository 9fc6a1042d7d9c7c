// The Lua scripts of the Redis lock clients: each runs atomically on the server, so a lock step is one
// command that either happened or did not. Scripts only; no connection handling here.

/** KEYS[1] lock, KEYS[2] token counter; ARGV[1] owner, ARGV[2] ttl ms. Returns the new token, or nil when held. */
export const ACQUIRE_WITH_TOKEN = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false`;

/** KEYS[1] lock; ARGV[1] owner, ARGV[2] ttl ms. 1 when the owner held it and the TTL was reset, else 0. */
export const RENEW_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** KEYS[1] lock; ARGV[1] owner. 1 when the owner held it and it was deleted, else 0. */
export const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;
