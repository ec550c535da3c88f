import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { QueueError } from './errors'

/**
 * A token budget that every worker of a queue shares: at most `limit` tokens started in any sliding
 * `interval` ms, the cluster-wide counterpart of the limiter's weighted window (`--tpm`). Each start
 * is an entry in Redis (a sorted set by start time, a hash of costs, their sum), charged with the
 * request's estimate; once the answer's `usage` is known, a usage above it is charged, and one below
 * it gives the difference back only when the server refunds (`refund`), since most APIs keep what
 * they charged at admission. Each step is one Lua script, timed by Redis's own clock: workers on
 * machines whose clocks differ agree.
 */

/** Drops the entries that slid out, then takes `cost` if it fits: 0, or else the ms until it would. */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, interval, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - interval)
local sum = tonumber(redis.call('GET', KEYS[3]) or '0')
for _, id in ipairs(gone) do
  sum = sum - tonumber(redis.call('HGET', KEYS[2], id) or '0')
  redis.call('HDEL', KEYS[2], id)
end
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval) end
local live = redis.call('ZCARD', KEYS[1])
if live == 0 then sum = 0 end
if sum + cost <= limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[4], cost)
  redis.call('SET', KEYS[3], sum + cost)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], interval * 2) end
  return 0
end
redis.call('SET', KEYS[3], sum, 'PX', interval * 2)
local excess = sum + cost - limit
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  excess = excess - tonumber(redis.call('HGET', KEYS[2], entries[i]) or '0')
  if excess <= 0 then return math.max(1, tonumber(entries[i + 1]) + interval - now) end
end
return interval
`

/** Replaces an entry's cost by the real one while it is still in the window (a lower one only if ARGV[3] is 1). */
const SETTLE = `
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return 0 end
if tonumber(ARGV[2]) < tonumber(old) and ARGV[3] ~= '1' then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('INCRBY', KEYS[3], tonumber(ARGV[2]) - tonumber(old))
return 1
`

/**
 * The largest `estimate` and `limit` a job may give, tokens: far above any API's budget, and small
 * enough that every sum the scripts keep stays an integer Redis stores exactly (below 2^53).
 */
export const MAX_TOKENS = 1e12
/** The widest `interval` a job may give, ms (a day): a wait past it would not fit Node's timers either. */
export const MAX_TOKEN_INTERVAL = 86_400_000

/** What a job's request counts against the shared budget (`HttpJobData.tokens`). */
export interface TokenCharge {
  /** Tokens charged when the request starts (integer, 0 to 1e12), replaced by the answer's `usage`. */
  estimate: number
  /** Tokens allowed to start in any `interval` ms, for all workers together (integer, 1 to 1e12). */
  limit: number
  /** The window's width, ms (integer, 1 to 86400000, a day): 60000 for tokens per minute. */
  interval: number
  /**
   * Whether the server gives back what an answer did not use: a `usage` below the estimate then
   * replaces it. @default false (OpenAI, and most APIs, keep the charge made at admission)
   */
  refund?: boolean
}

/**
 * The job's `tokens`, checked before any Redis call: a bad one fails the job with `ERR_UNKNOWN_JOB`
 * (a job's data comes from any producer: a value out of range must not reach the scripts).
 */
export function checkTokenCharge(charge: unknown): TokenCharge {
  const { estimate, limit, interval, refund } = (charge ?? {}) as Partial<TokenCharge>
  const whole = (value: unknown, min: number, max: number) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
  if (
    !whole(estimate, 0, MAX_TOKENS) ||
    !whole(limit, 1, MAX_TOKENS) ||
    !whole(interval, 1, MAX_TOKEN_INTERVAL) ||
    (refund !== undefined && typeof refund !== 'boolean')
  ) {
    throw new QueueError(
      'ERR_UNKNOWN_JOB',
      `An http job's tokens must be { estimate, limit, interval, refund? }: integers, estimate 0 to ${MAX_TOKENS}, limit 1 to ${MAX_TOKENS}, interval 1 to ${MAX_TOKEN_INTERVAL} ms, refund a boolean, got ${JSON.stringify(charge)}`,
    )
  }
  if ((estimate as number) > (limit as number)) {
    throw new QueueError(
      'ERR_COST_TOO_HIGH',
      `The request's token estimate ${estimate} is above the budget's limit ${limit}: it could never start`,
    )
  }
  return { estimate, limit, interval, refund: refund === true } as TokenCharge
}

export type Taken = { entry: string } | { waitMs: number }

export class TokenWindow {
  readonly #client: Redis
  readonly #keys: [string, string, string]

  /** On `client`, which stays the caller's to close. */
  constructor(client: Redis, prefix: string, queue: string) {
    this.#client = client
    const base = `${prefix}:${queue}:boundkit:tokens`
    this.#keys = [`${base}:starts`, `${base}:costs`, `${base}:sum`]
  }

  /** Charges `estimate` now if it fits in the window, else says how long until it would. */
  async take(charge: TokenCharge): Promise<Taken> {
    const entry = randomUUID()
    const wait = Number(
      await this.#client.eval(TAKE, 3, ...this.#keys, charge.limit, charge.interval, charge.estimate, entry),
    )
    return wait === 0 ? { entry } : { waitMs: wait }
  }

  /**
   * The start `entry` really cost `tokens` (as the answer says: capped at `MAX_TOKENS`, as an estimate
   * is): charged if above its estimate, given back if below only with `refund`.
   */
  async settle(entry: string, tokens: number, refund = false): Promise<void> {
    const cost = Math.min(MAX_TOKENS, Math.max(0, Math.ceil(tokens)))
    await this.#client.eval(SETTLE, 3, ...this.#keys, entry, cost, refund ? 1 : 0)
  }

  /** Tokens started in the window now (for stats and tests). */
  async used(): Promise<number> {
    return Number((await this.#client.get(this.#keys[2])) ?? 0)
  }
}
