import { randomUUID } from 'node:crypto'
import { FIRST_WINDOW_MS, windowSpanOf } from '@boundkit/internal'
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
 *
 * A server may enforce its per-minute limit over shorter windows (OpenAI's may be), so the budget
 * also holds over the server's window, as the limiter learns it: the longest `x-ratelimit-reset-tokens`
 * any worker read (rounded up as the limiter does, at most `interval`), or longer if the tokens the
 * server said remain need a longer one to fit its share of the budget, kept in Redis for all of them;
 * 1 s before any (`FIRST_WINDOW_MS`). A span of it allows `floor(limit x span / interval)`. The
 * resets also show where the server's windows begin: a quantized window's end stays put from answer to
 * answer (or moves by whole spans), so once read, each span's budget is counted from the server's own
 * window start and may start whole as soon as that window opens; resets that move as only a sliding
 * window's can (twice) make it a sliding span, counted back from now.
 */

/**
 * Drops the entries that slid out, then takes `cost` if it fits both the whole interval and the
 * learned span (a cost above a span's budget fits a span that holds nothing): 0, or else the ms until
 * both would. The span is the server's quantized window that holds now, from the end a reset showed
 * (KEYS[5]'s `edge`), or the last `span` ms when it slides or no end was read. Once a span is learned, it looks back a little further (a guard: 1/50 of the span, at
 * most `GUARD_MAX_MS`), since a start reaches the server a little after Redis timed it: later than
 * from one process (the limiter's guard is at most 20 ms), past a Redis reply and a worker's busy loop. Before any
 * reading, a wait for the assumed span is at most `UNLEARNED_WAIT_MS`: the answers of the first starts
 * may show a longer window, with more room, before the assumed one frees.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, interval, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local learned = tonumber(redis.call('GET', KEYS[4]) or '0')
local span = math.min(interval, learned > 0 and learned or tonumber(ARGV[5]))
local edge = learned > 0 and tonumber(redis.call('HGET', KEYS[5], 'edge') or '0') or 0
local sliding = redis.call('HGET', KEYS[5], 'sliding') == '1'
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - interval)
local sum = tonumber(redis.call('GET', KEYS[3]) or '0')
for _, id in ipairs(gone) do
  sum = sum - tonumber(redis.call('HGET', KEYS[2], id) or '0')
  redis.call('HDEL', KEYS[2], id)
end
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval) end
local live = redis.call('ZCARD', KEYS[1])
if live == 0 then sum = 0 end
local held, recent, costs, room, back, opens = 0, {}, {}, 0, 0, nil
if span < interval then
  -- The span's budget, floor(limit x span / interval) exactly: limit = q x interval + r, and r x span
  -- stays below 2^53 (both below a day in ms).
  local r = limit % interval
  room = math.max(1, (limit - r) / interval * span + math.floor(r * span / interval))
  local guard = learned > 0 and math.min(tonumber(ARGV[7]), math.floor(span / 50)) or 0
  back = span + guard
  if edge > 0 and not sliding then
    -- The server's window now: from the end a reset showed, moved by whole spans.
    opens = edge + math.floor((now - edge) / span) * span
    back = now - opens + guard
  end
  recent = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - back), '+inf', 'WITHSCORES')
  for i = 1, #recent, 2 do
    costs[#costs + 1] = tonumber(redis.call('HGET', KEYS[2], recent[i]) or '0')
    held = held + costs[#costs]
  end
end
local inSpan = held <= 0 or held + cost <= room
if sum + cost <= limit and inSpan then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[4], cost)
  redis.call('SET', KEYS[3], sum + cost)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], interval * 2) end
  return 0
end
redis.call('SET', KEYS[3], sum, 'PX', interval * 2)
local wait = 0
if sum + cost > limit then
  wait = interval
  local excess = sum + cost - limit
  local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    excess = excess - tonumber(redis.call('HGET', KEYS[2], entries[i]) or '0')
    if excess <= 0 then
      wait = math.max(1, tonumber(entries[i + 1]) + interval - now)
      break
    end
  end
end
if not inSpan and opens ~= nil then
  -- Nothing more fits the server's window: the next one opens at its end.
  wait = math.max(wait, opens + span - now)
elseif not inSpan then
  local left = held
  local free = 1
  for i = 1, #costs do
    left = left - costs[i]
    if left <= 0 or left + cost <= room then
      free = math.max(1, tonumber(recent[2 * i]) + back - now)
      break
    end
  end
  -- Before any reading, the span is only assumed: the first answers may show a longer one soon.
  if learned == 0 then free = math.min(free, tonumber(ARGV[6])) end
  wait = math.max(wait, free)
end
return wait
`

/**
 * Records a server window of ARGV[1] ms read by a worker: the longest seen wins. The longest is kept
 * ARGV[2] ms from its last reading at least 9/10 as long, so that a server's window that is no
 * longer seen does not stay forever. Then where the server's window ends, ARGV[3] ms from now (its
 * reset), in KEYS[2]: an end on the grid of the one known (whole spans apart, within `noise`) keeps the
 * earlier of the two (a reading reaches Redis late, never early: the earliest is the truest); one off
 * the grid replaces it, and a second such move that is later marks the window sliding.
 */
const LEARN = `
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
local span = tonumber(ARGV[1])
if span > old then
  redis.call('SET', KEYS[1], span, 'PX', ARGV[2])
else
  if span * 10 >= old * 9 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  span = old
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ends = now + tonumber(ARGV[3])
local edge = tonumber(redis.call('HGET', KEYS[2], 'edge') or '0')
if edge == 0 then
  redis.call('HSET', KEYS[2], 'edge', ends)
else
  local moved = ends - edge
  local off = moved - math.floor(moved / span + 0.5) * span
  if math.abs(off) <= math.max(tonumber(ARGV[4]), span / 100) then
    if off < 0 then redis.call('HSET', KEYS[2], 'edge', edge + off) end
  else
    if moved > 0 and redis.call('HINCRBY', KEYS[2], 'slides', 1) >= 2 then
      redis.call('HSET', KEYS[2], 'sliding', 1)
    end
    redis.call('HSET', KEYS[2], 'edge', ends)
  end
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return span
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

/**
 * The longest a start is held past its span for the time it takes to reach the server (ms): a sliding
 * server counted 429s at 20 ms (the limiter's) with two loaded workers; 1/50 of a 10 s span is 200 ms.
 */
export const GUARD_MAX_MS = 100

/** The longest wait for the span assumed before any reading (ms): the first answers may widen it. */
export const UNLEARNED_WAIT_MS = 100

/** How far apart two readings of one quantized window's end may be (ms): clock and network noise. */
export const SAME_END_MS = 30

/** How many `interval`s a learned span is kept after its last reading as long (then 1 s is assumed again). */
export const SPAN_TTL_INTERVALS = 2

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
  /**
   * The completion tokens the request reserves (its `max_tokens`), part of `estimate`: a server that
   * keeps what it charged at admission charged the answer's prompt tokens plus these, so once answered
   * the start counts that (or the `usage`, if more) instead of the estimate, which only guessed the
   * prompt. Without it (or with `refund`), the estimate stays unless the `usage` is more. @default none
   */
  completion?: number
}

/**
 * The job's `tokens`, checked before any Redis call: a bad one fails the job with `ERR_UNKNOWN_JOB`
 * (a job's data comes from any producer: a value out of range must not reach the scripts).
 */
export function checkTokenCharge(charge: unknown): TokenCharge {
  const { estimate, limit, interval, refund, completion } = (charge ?? {}) as Partial<TokenCharge>
  const whole = (value: unknown, min: number, max: number) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
  if (
    !whole(estimate, 0, MAX_TOKENS) ||
    !whole(limit, 1, MAX_TOKENS) ||
    !whole(interval, 1, MAX_TOKEN_INTERVAL) ||
    (refund !== undefined && typeof refund !== 'boolean') ||
    (completion !== undefined && !whole(completion, 0, estimate as number))
  ) {
    throw new QueueError(
      'ERR_UNKNOWN_JOB',
      `An http job's tokens must be { estimate, limit, interval, refund?, completion? }: integers, estimate 0 to ${MAX_TOKENS}, limit 1 to ${MAX_TOKENS}, interval 1 to ${MAX_TOKEN_INTERVAL} ms, completion 0 to the estimate, refund a boolean, got ${JSON.stringify(charge)}`,
    )
  }
  if ((estimate as number) > (limit as number)) {
    throw new QueueError(
      'ERR_COST_TOO_HIGH',
      `The request's token estimate ${estimate} is above the budget's limit ${limit}: it could never start`,
    )
  }
  return {
    estimate,
    limit,
    interval,
    refund: refund === true,
    ...(completion !== undefined && { completion }),
  } as TokenCharge
}

export type Taken = { entry: string } | { waitMs: number }

export class TokenWindow {
  readonly #client: Redis
  readonly #keys: [string, string, string, string, string]

  /** On `client`, which stays the caller's to close. */
  constructor(client: Redis, prefix: string, queue: string) {
    this.#client = client
    const base = `${prefix}:${queue}:boundkit:tokens`
    this.#keys = [`${base}:starts`, `${base}:costs`, `${base}:sum`, `${base}:span`, `${base}:server`]
  }

  /** Charges `estimate` now if it fits in the window, else says how long until it would. */
  async take(charge: TokenCharge): Promise<Taken> {
    const entry = randomUUID()
    const wait = Number(
      await this.#client.eval(
        TAKE,
        5,
        ...this.#keys,
        charge.limit,
        charge.interval,
        charge.estimate,
        entry,
        FIRST_WINDOW_MS,
        UNLEARNED_WAIT_MS,
        GUARD_MAX_MS,
      ),
    )
    return wait === 0 ? { entry } : { waitMs: wait }
  }

  /**
   * The start `entry` really cost `tokens` (as the answer says: capped at `MAX_TOKENS`, as an estimate
   * is): charged if above its estimate, given back if below only with `refund`.
   */
  async settle(entry: string, tokens: number, refund = false): Promise<void> {
    const cost = Math.min(MAX_TOKENS, Math.max(0, Math.ceil(tokens)))
    await this.#client.eval(SETTLE, 3, ...this.#keys.slice(0, 3), entry, cost, refund ? 1 : 0)
  }

  /**
   * An answer said the server's token budget is whole again in `resetMs` (its `x-ratelimit-reset-tokens`),
   * and that `remaining` tokens are left in it (its `x-ratelimit-remaining-tokens`, if it gave one): its
   * window is at least as long as the reset (rounded up as the limiter rounds it), and long enough for
   * its budget, `limit x span / interval`, to hold what remains (an answer read in the middle of the
   * first window shows only part of it in its reset; what remains then says the rest). At most
   * `interval`. The longest any worker read is the span every worker's `take` holds to; it is
   * forgotten after `SPAN_TTL_INTERVALS` intervals without a reading at least 9/10 as long. The reset
   * also says where the server's window ends (see LEARN).
   */
  async learn(
    resetMs: number,
    charge: Pick<TokenCharge, 'limit' | 'interval'>,
    remaining?: number,
  ): Promise<void> {
    const { limit, interval } = charge
    if (!(resetMs > 0) || !Number.isFinite(resetMs)) return
    if (!Number.isInteger(interval) || interval < 1 || interval > MAX_TOKEN_INTERVAL) return
    let span = windowSpanOf(Math.min(resetMs, interval))
    if (remaining !== undefined && remaining > 0 && Number.isFinite(remaining) && limit >= 1) {
      span = Math.max(span, Math.ceil((Math.min(remaining, limit) * interval) / limit))
    }
    const ttl = interval * SPAN_TTL_INTERVALS
    const ends = Math.round(Math.min(resetMs, interval))
    await this.#client.eval(
      LEARN,
      2,
      this.#keys[3],
      this.#keys[4],
      Math.min(interval, span),
      ttl,
      ends,
      SAME_END_MS,
    )
  }

  /** Where the server's window was read to end (Redis clock ms) and whether it slides, or undefined before any reading (for tests). */
  async server(): Promise<{ end: number; sliding: boolean } | undefined> {
    const { edge, sliding } = await this.#client.hgetall(this.#keys[4])
    return edge === undefined ? undefined : { end: Number(edge), sliding: sliding === '1' }
  }

  /** The server's window learned so far (ms), or undefined before any reading (for stats and tests). */
  async span(): Promise<number | undefined> {
    const span = await this.#client.get(this.#keys[3])
    return span === null ? undefined : Number(span)
  }

  /** Tokens started in the window now (for stats and tests). */
  async used(): Promise<number> {
    return Number((await this.#client.get(this.#keys[2])) ?? 0)
  }
}
