import type { Redis } from 'ioredis'
import type { QueueClusterCounts } from './stats'

/**
 * The counts every worker of a queue adds to, in one Redis hash (`<prefix>:<queue>:boundkit:counts`),
 * so that a producer can report a cluster's 429s and pauses as a local run reports its own.
 */
export function countsKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:boundkit:counts`
}

/** BullMQ's key whose life pauses every worker of the queue (`Worker.rateLimit` sets it). */
export function limiterKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:limiter`
}

/** Why the whole queue pauses: a 429, 503s in a row (both cooldowns), or the shared token budget. */
export type PauseReason = 'rateLimited' | 'unavailable' | 'tokens'

/**
 * Pauses every worker of the queue for ARGV[1] ms, and counts the pause as the cluster's wall time.
 * BullMQ's own `rateLimit` sets the pause whatever it was, so a worker's short pause would cut
 * another's long one short: here a pause only ever extends it. `<kind>Until` is when the cluster's
 * pauses of that kind end (Redis's clock, so machines whose clocks differ agree): a pause that starts
 * after it is a new one (`<kind>s` + 1), one that starts before it adds only the time it extends
 * it by (`<kind>Ms`). KEYS: the limiter key, the counts hash. ARGV: ms, kind, the 429 count to add.
 */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms, kind = tonumber(ARGV[1]), ARGV[2]
local paused = redis.call('GET', KEYS[1]) == '9007199254740991'
if not paused or redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '9007199254740991', 'PX', ms)
end
local untilField = kind .. 'Until'
local endsAt = tonumber(redis.call('HGET', KEYS[2], untilField) or '0')
if now >= endsAt then
  redis.call('HINCRBY', KEYS[2], kind .. 's', 1)
  redis.call('HINCRBY', KEYS[2], kind .. 'Ms', ms)
  redis.call('HSET', KEYS[2], untilField, now + ms)
elseif now + ms > endsAt then
  redis.call('HINCRBY', KEYS[2], kind .. 'Ms', now + ms - endsAt)
  redis.call('HSET', KEYS[2], untilField, now + ms)
end
redis.call('HINCRBY', KEYS[2], 'rateLimited', tonumber(ARGV[3]))
return 1
`

/** Pauses the whole queue for `ms` for `reason`, counted once however many workers ask at once. */
export async function pauseQueue(
  client: Redis,
  keys: { limiter: string; counts: string },
  reason: PauseReason,
  ms: number,
): Promise<void> {
  const kind = reason === 'tokens' ? 'tokenWait' : 'cooldown'
  const rateLimited = reason === 'rateLimited' ? 1 : 0
  await client.eval(PAUSE, 2, keys.limiter, keys.counts, Math.max(1, Math.round(ms)), kind, rateLimited)
}

export async function readCounts(client: Redis, key: string): Promise<QueueClusterCounts> {
  const fields = await client.hgetall(key)
  const read = (name: string) => Number(fields[name] ?? 0)
  return {
    rateLimited: read('rateLimited'),
    cooldowns: read('cooldowns'),
    cooldownMs: read('cooldownMs'),
    tokenWaits: read('tokenWaits'),
    tokenWaitMs: read('tokenWaitMs'),
  }
}
