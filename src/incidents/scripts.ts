/**
 * Lua scripts of the incident store. Each runs atomically in Redis, so concurrent workers and
 * replicas see one consistent incident per protocol. The scripts derive some key names from ids
 * found inside the script (the incident of a protocol is only known there), which is fine on a
 * single Redis or a replicated primary but not on Redis Cluster.
 */

/**
 * KEYS: 1 open-incident key of the protocol, 2 incident index (zset), 3 anomaly→incident key.
 * ARGV: 1 incident key base (`prefix:incident:`), 2 new id, 3 protocol, 4 chainId, 5 now ms,
 *       6 window ms, 7 anomaly id, 8 trigger JSON, 9 severity, 10 anomaly-detected entry JSON,
 *       11 by-block index key, 12 TTL seconds of the by-block and anomaly keys, 13.. contract names.
 * Returns { incidentId, created (0|1), anomalyAdded (0|1), incident hash (flat field/value list),
 * trigger JSONs, contract names } — the summary comes back in the same round trip.
 */
export const openOrJoinScript = `
local rank = { info = 0, low = 1, medium = 2, high = 3, critical = 4 }
local base = ARGV[1]
local now = tonumber(ARGV[5])
local known = redis.call('GET', KEYS[3])
local function summary(id, created, added)
  return { id, created, added, redis.call('HGETALL', base .. id), redis.call('LRANGE', base .. id .. ':anomalies', 0, -1),
    redis.call('SMEMBERS', base .. id .. ':contracts') }
end
if known and redis.call('EXISTS', base .. known) == 1 then
  return summary(known, 0, 0)
end
local id = redis.call('GET', KEYS[1])
if id then
  local state = redis.call('HMGET', base .. id, 'status', 'lastAnomalyAt')
  if (not state[1]) or state[1] == 'resolved' or (now - tonumber(state[2])) > tonumber(ARGV[6]) then
    id = false
  end
end
local created = 0
if not id then
  id = ARGV[2]
  redis.call('HSET', base .. id, 'id', id, 'status', 'open', 'severity', ARGV[9], 'protocol', ARGV[3],
    'chainId', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5], 'lastAnomalyAt', ARGV[5])
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('SET', KEYS[1], id)
  created = 1
end
local added = 0
if redis.call('SADD', base .. id .. ':once', 'anomaly:' .. ARGV[7]) == 1 then
  added = 1
  redis.call('RPUSH', base .. id .. ':anomalies', ARGV[8])
  local current = redis.call('HGET', base .. id, 'severity')
  if (rank[ARGV[9]] or 0) > (rank[current] or 0) then
    redis.call('HSET', base .. id, 'severity', ARGV[9])
  end
  for i = 13, #ARGV do
    redis.call('SADD', base .. id .. ':contracts', ARGV[i])
  end
  redis.call('HSET', base .. id, 'updatedAt', ARGV[5], 'lastAnomalyAt', ARGV[5])
  redis.call('RPUSH', base .. id .. ':timeline', ARGV[10])
  redis.call('SADD', ARGV[11], id)
  redis.call('EXPIRE', ARGV[11], ARGV[12])
  redis.call('SET', KEYS[3], id, 'EX', ARGV[12])
end
return summary(id, created, added)
`;

/**
 * KEYS: 1 incident hash, 2 once set, 3 timeline list.
 * ARGV: 1 entry JSON, 2 once key ('' for none), 3 now ms.
 * Returns 1 appended, 0 skipped (once key seen), -1 no such incident.
 */
export const appendScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[2] ~= '' and redis.call('SADD', KEYS[2], ARGV[2]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
return 1
`;

/**
 * KEYS: 1 incident hash, 2 timeline list.
 * ARGV: 1 target status, 2 comma list of statuses it may be reached from,
 *       3 status-changed entry JSON whose first "__FROM__" is replaced by the old status, 4 now ms.
 * Returns { result, from }: result 1 changed, 0 already in that status, -1 not allowed, -2 no such incident.
 */
export const setStatusScript = `
local from = redis.call('HGET', KEYS[1], 'status')
if not from then return { -2, '' } end
if from == ARGV[1] then return { 0, from } end
if not string.find(',' .. ARGV[2] .. ',', ',' .. from .. ',', 1, true) then return { -1, from } end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[4])
local entry = string.gsub(ARGV[3], '__FROM__', from, 1)
redis.call('RPUSH', KEYS[2], entry)
return { 1, from }
`;
