import {
  booleanOption,
  choiceOption,
  expected,
  functionOption,
  type NumberRule,
  numberOption,
  signalOption,
  timeoutOption,
} from '@boundkit/internal'
import type { ResolvedAdaptive } from './adaptive'
import { type Clock, systemClock, timerSafe } from './clock'
import { costVector } from './cost'
import { invalidOption } from './errors'
import type { RetryEvent } from './events'
import { defaultRetryOn } from './http-failure'
import type { HeaderFamilies } from './rate-headers'

/**
 * At most `limit` attempt starts in any sliding `interval` ms; or, with `cost`, at most `limit` of
 * that cost (e.g. tokens) started in any `interval` ms.
 */
export interface RateLimit {
  /** Starts (or units of `cost`) allowed per window (integer >= 1). */
  limit: number
  /** The window's width, in ms (>= 1). */
  interval: number
  /**
   * The name of the cost this window counts, e.g. `'tokens'`: each start counts its call's
   * `cost[name]` (a number >= 0), and `report({ cost })` replaces that estimate by the real cost.
   * @default undefined: the window counts starts (1 each)
   */
  cost?: string
  /**
   * With a `cost`: whether a real cost reported below the estimate (`report({ cost })`) gives the
   * difference back. Most APIs charge the estimate (prompt + `max_tokens`) at admission and never
   * refund it (OpenAI documents so), so a refund the server did not give would start requests it
   * refuses. `'auto'`: only once the server's rate-limit headers show that it refunds (its remaining
   * rose within one window with nothing of ours sliding out). A reported cost above the estimate always counts.
   * @default 'auto' (without headers read: no refund)
   */
  refund?: boolean | 'auto'
}

/** A task's cost per named unit, e.g. `{ tokens: 1500 }` (each a finite number >= 0). */
export type LimiterCost = Readonly<Record<string, number>>

/** Which rate-limit headers the limiter reads from each answer (see the README's header list). */
export type LimiterHeaders = 'auto' | 'openai' | 'anthropic' | false

/** Adaptive concurrency: the limiter finds the limit itself, between `min` and `max`. */
export interface AdaptiveConcurrency {
  /** Lowest limit (integer >= 1). @default 1 */
  min?: number
  /** Highest limit (integer >= min). @default 64 */
  max?: number
  /** The limit at the start (min..max). @default 4, within min..max */
  initial?: number
  /**
   * `'aimd'`: additive increase while the limit is used, halving on a 429, a 503, a timeout or a
   * cooldown. `'gradient'`: the same decreases, and the limit also follows the ratio of the
   * long-term latency (baseline) to the short-term latency, so it backs off as latency rises.
   * @default 'gradient'
   */
  strategy?: 'aimd' | 'gradient'
}

/**
 * When a `Retry-After` pauses the whole limiter (a cooldown): a 429 (or rate-limit headers saying a
 * budget is spent) at once; a 503 only when `after` of them come in a row, else it delays only its
 * own item's retry.
 */
export interface CooldownOptions {
  /**
   * Answers in a row (no success between them) asking to wait with a Retry-After that is not a rate
   * limit (a 503) before the whole limiter pauses; fewer delay only their own item's retry. `1`:
   * every Retry-After pauses everyone; `Infinity`: only rate limits do (integer >= 1 or Infinity).
   * @default 3
   */
  after?: number
  /** Longest pause of the whole limiter, in ms; a longer Retry-After pauses it this long. @default 300000 */
  maxDelay?: number
  /**
   * Starts resume at a random point within this fraction of the wait after the cooldown ends, so
   * many limiters (or processes) do not all resume at once (0..1). @default 0.1
   */
  jitter?: number
}

/** `'full'`: uniform in [0, delay] (AWS "full jitter"); `'none'`: the exact delay; or your own (kept within [0, maxDelay]). */
export type Jitter = 'full' | 'none' | ((delay: number, attempt: number, random: () => number) => number)

/** How failed attempts are retried (the limiter's `retry` option, and `retry()`'s options). */
export interface RetryOptions {
  /** Retries after the first attempt (so `retries: 3` allows 4 attempts); integer >= 0 or Infinity. @default 3 */
  retries?: number
  /** Delay before the first retry, in ms. @default 250 */
  minDelay?: number
  /** Upper bound of any backoff delay, in ms. @default 30000 */
  maxDelay?: number
  /** Growth of the delay per attempt: `minDelay * factor ** (attempt - 1)` (>= 1). @default 2 */
  factor?: number
  /** Randomisation of each delay. @default 'full' */
  jitter?: Jitter
  /** No retry starts later than this many ms after the first attempt started. @default Infinity */
  maxRetryTime?: number
  /**
   * Longest Retry-After (seconds or HTTP date) a retry waits for, in ms. A longer one fails the item
   * with `ERR_RETRY_AFTER_TOO_LONG` instead of sleeping (`cause`: the failure); a rate-limit header's
   * reset longer than this is not followed by the windows. @default 300000
   */
  maxRetryAfter?: number
  /**
   * Whether a failure is worth retrying. `failure` is the thrown error (any value, `null` included) or
   * a returned `Response`. If it throws, the item fails with `ERR_CALLBACK_FAILED`.
   * @default network errors, timeouts, HTTP 408/425/429/500/502/503/504 (never AbortError or other 4xx)
   */
  retryOn?: (failure: unknown, attempt: number) => boolean
}

export interface LimiterOptions {
  /**
   * Attempts running at once: an integer >= 1 or Infinity; `'auto'` (= `{ min: 1, max: 64,
   * initial: 4, strategy: 'gradient' }`; with `rate` windows `initial: 64`, so that no ramp holds a
   * window's budget back) or an `AdaptiveConcurrency` object to let the limiter find it. With rate
   * windows, a 429 does not lower an adaptive limit (the windows and the cooldown answer it).
   * Setting `limiter.concurrency` later switches to that fixed number. @default 10
   */
  concurrency?: number | 'auto' | AdaptiveConcurrency
  /** One or several rate windows, all enforced together. @default no rate limit */
  rate?: RateLimit | readonly RateLimit[]
  /**
   * Reads the server's rate-limit headers from every answer (a returned Response, a thrown error's
   * `headers` or `response.headers`, or `report({ headers })`) and follows them: a window the
   * server says has fewer left than the limiter thinks follows the server until its reset.
   * `'openai'`: `x-ratelimit-*` only; `'anthropic'`: `anthropic-ratelimit-*` only; `false`: none.
   * @default 'auto' (both families)
   */
  headers?: LimiterHeaders
  /** Per-attempt timeout in ms (>= 1, or Infinity for none); a timed-out attempt fails with `ERR_TIMEOUT` (retryable). @default Infinity */
  timeout?: number
  /** Aborts everything: queued work is not started, running attempts see their signal abort. */
  signal?: AbortSignal
  /** Retry policy, or `false` for none. @default { retries: 3, minDelay: 250, maxDelay: 30000, factor: 2, jitter: 'full', maxRetryAfter: 300000 } */
  retry?: RetryOptions | false
  /**
   * Retry-After cooldown of the whole limiter, or `false` for none (a Retry-After still sets its
   * item's retry delay). @default { after: 3, maxDelay: 300000, jitter: 0.1 }
   */
  cooldown?: CooldownOptions | false
  /** Time source. @default the system clock */
  clock?: Clock
  /** Random source in [0, 1) for jitter. @default Math.random */
  random?: () => number
}

/** What `run`, `map` and `stream` calls share. */
interface LimiterCallOptions {
  /** Aborts this call only. */
  signal?: AbortSignal
  /** Per-attempt timeout in ms (>= 1, or Infinity for none). @default the limiter's */
  timeout?: number
  /** Retry policy for this call, or `false` for none. @default the limiter's */
  retry?: RetryOptions | false
}

/** Options of one `run` call; they override the limiter's for that call. */
export interface LimiterRunOptions extends LimiterCallOptions {
  /**
   * The task's cost for the weighted rate windows (`{ tokens: 1500 }`), charged at each attempt's
   * start; required when a window has a `cost`. A cost alone above a window's limit fails at once
   * with `ERR_COST_TOO_HIGH`; a getter of it that throws, with `ERR_CALLBACK_FAILED`.
   * @default none (weighted windows refuse the call)
   */
  cost?: LimiterCost
}

/** Options of one `stream` call. */
export interface LimiterStreamOptions<T = unknown> extends LimiterCallOptions {
  /**
   * Each item's cost for the weighted rate windows, or one cost for every item. A function, or a
   * getter of the cost it returns, that throws fails that item with `ERR_CALLBACK_FAILED`; a bad
   * result fails it with `ERR_INVALID_OPTION`, a cost above a window's limit with
   * `ERR_COST_TOO_HIGH`. @default none
   */
  cost?: LimiterCost | ((item: T, index: number) => LimiterCost)
  /**
   * The item's key, e.g. `(row) => row.id`: each outcome carries what it returns as `key` (a
   * `KeyedOutcome`), so a script needs no index-to-id map. Called once per item, when it is pulled,
   * before its cost. If it throws, that item fails with `ERR_CALLBACK_FAILED` (its `key` undefined)
   * and the batch goes on. `map` takes it with `settle: true` only (plain `map` yields no outcomes).
   * @default none (outcomes have no `key`)
   */
  key?: (item: T, index: number) => unknown
  /**
   * Items pulled from the source and not yet finished (for `stream`: not yet consumed); integer >= 1.
   * @default 2 x concurrency (1024 when concurrency is Infinity)
   */
  window?: number
}

/** Options of one `map` call. */
export interface LimiterMapOptions<T = unknown> extends LimiterStreamOptions<T> {
  /** Never reject: resolve with one outcome per item. @default false */
  settle?: boolean
}

/** Options of the standalone `retry(fn, options)`. */
export interface StandaloneRetryOptions extends RetryOptions {
  /** Stops waiting and retrying; the promise rejects with `ERR_ABORTED`. */
  signal?: AbortSignal
  /** Time source. @default the system clock */
  clock?: Clock
  /** Random source in [0, 1) for jitter. @default Math.random */
  random?: () => number
  /** Called before each retry waits; if it throws, `retry` rejects with `ERR_CALLBACK_FAILED`. */
  onRetry?: (event: RetryEvent) => void
}

/** Retry options checked, with every default filled in. */
export interface RetryPolicy {
  retries: number
  minDelay: number
  maxDelay: number
  factor: number
  jitter: Jitter
  maxRetryTime: number
  maxRetryAfter: number
  /**
   * The rate-limit header families whose reset a 429 without Retry-After waits for, when they say
   * nothing remains (the limiter's `headers`; undefined: none).
   */
  resets: HeaderFamilies | undefined
  retryOn: (failure: unknown, attempt: number) => boolean
}

/** The limiter's options checked, with every default filled in. */
export interface ResolvedLimiterOptions {
  /** The fixed concurrency, or adaptive concurrency's initial limit. */
  concurrency: number
  /** Adaptive concurrency, undefined when fixed. */
  adaptive: ResolvedAdaptive | undefined
  windows: RateLimit[]
  /** The windows with a `cost`, in order: a call's cost vector follows them. */
  weighted: RateLimit[]
  /** Header families read; undefined: none (`headers: false`). */
  headers: HeaderFamilies | undefined
  /** Infinity: none. */
  timeout: number
  signal: AbortSignal | undefined
  retry: RetryPolicy
  cooldown: { after: number; maxDelay: number; jitter: number } | undefined
  /** The injected clock, its timers made safe for any delay. */
  clock: Clock
  random: () => number
}

/** One `run`, `map` or `stream` call's options checked, the limiter's filling what it leaves out. */
export interface ResolvedCallOptions {
  signal: AbortSignal | undefined
  /** Infinity: none. */
  timeout: number
  policy: RetryPolicy
  /** An attempt's slot is released without waiting for `fn`: a timeout or a signal is in play. */
  guarded: boolean
  /** undefined: 2 x concurrency. */
  window: number | undefined
  settle: boolean
  /** Every job's cost vector (aligned with the weighted windows), when one cost is given for all. */
  cost: number[] | undefined
  /** map/stream: each item's cost, checked per item. */
  costOf: ((item: unknown, index: number) => unknown) | undefined
  /** map with settle, stream: each item's key, put on its outcome. */
  keyOf: ((item: unknown, index: number) => unknown) | undefined
}

const DEFAULT_RETRY_AFTER_MAX = 300_000

const NO_RETRY: RetryPolicy = {
  retries: 0,
  minDelay: 0,
  maxDelay: 0,
  factor: 1,
  jitter: 'none',
  maxRetryTime: Number.POSITIVE_INFINITY,
  maxRetryAfter: DEFAULT_RETRY_AFTER_MAX,
  retryOn: defaultRetryOn,
  resets: 'auto',
}

function objectOption(name: string, value: unknown, orFalse: boolean): void {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    invalidOption(expected(name, orFalse ? 'an object or false' : 'an object', value))
  }
}

/** Checks retry options (`false` turns retries off); `prefix` names them in messages. */
export function resolveRetryOptions(
  options: RetryOptions | false | undefined,
  prefix: string,
  base?: RetryPolicy,
): RetryPolicy {
  if (options === false)
    return base && base.resets !== NO_RETRY.resets ? { ...NO_RETRY, resets: base.resets } : NO_RETRY
  if (options === undefined && base) return base
  objectOption(prefix === '' ? 'options' : prefix, options, prefix !== '')
  const o = options ?? {}
  const name = (key: string) => (prefix === '' ? key : `${prefix}.${key}`)
  const number = (key: keyof RetryOptions, rule: NumberRule, fallback: number) =>
    numberOption(invalidOption, name(key), o[key], rule, fallback)
  const anyDelay = { min: 0, allowInfinity: true }
  const minDelay = number('minDelay', { min: 0 }, base?.minDelay ?? 250)
  const maxDelay = number('maxDelay', anyDelay, base?.maxDelay ?? 30_000)
  if (maxDelay < minDelay) {
    invalidOption(
      `Expected \`${name('maxDelay')}\` to be >= \`${name('minDelay')}\` (${minDelay}), got ${maxDelay}`,
    )
  }
  const jitter: Jitter =
    typeof o.jitter === 'function' || (o.jitter === undefined && base)
      ? (o.jitter ?? base!.jitter)
      : choiceOption(invalidOption, name('jitter'), o.jitter, ['full', 'none'] as const, 'full')
  return {
    retries: number('retries', { integer: true, min: 0, allowInfinity: true }, base?.retries ?? 3),
    minDelay,
    maxDelay,
    factor: number('factor', { min: 1 }, base?.factor ?? 2),
    jitter,
    maxRetryTime: number('maxRetryTime', anyDelay, base?.maxRetryTime ?? Number.POSITIVE_INFINITY),
    maxRetryAfter: number('maxRetryAfter', anyDelay, base?.maxRetryAfter ?? DEFAULT_RETRY_AFTER_MAX),
    resets: base ? base.resets : 'auto',
    retryOn:
      functionOption<RetryPolicy['retryOn']>(invalidOption, name('retryOn'), o.retryOn) ??
      base?.retryOn ??
      defaultRetryOn,
  }
}

const AUTO: ResolvedAdaptive = { min: 1, max: 64, initial: 4, strategy: 'gradient' }

/** Checks `concurrency: 'auto' | { min, max, initial, strategy }`; undefined for a number. */
function adaptiveOption(value: unknown): ResolvedAdaptive | undefined {
  if (value === 'auto') return AUTO
  if (typeof value !== 'object' || value === null) return undefined
  const o = value as Record<string, unknown>
  const int = (key: string, min: number, fallback: number) =>
    numberOption(invalidOption, `concurrency.${key}`, o[key], { integer: true, min }, fallback)
  const min = int('min', 1, AUTO.min)
  const max = int('max', min, Math.max(min, AUTO.max))
  const initial = int('initial', min, Math.min(max, Math.max(min, AUTO.initial)))
  if (initial > max) invalidOption(`Expected \`concurrency.initial\` to be <= max (${max}), got ${initial}`)
  const strategy = choiceOption(
    invalidOption,
    'concurrency.strategy',
    o.strategy,
    ['aimd', 'gradient'] as const,
    'gradient',
  )
  return { min, max, initial, strategy }
}

/**
 * With rate windows, `'auto'` starts at its maximum: the windows, not a ramp, decide when a
 * window's budget goes, and a 429 they explain does not lower the limit (see Feedback).
 */
function paced(
  adaptive: ResolvedAdaptive | undefined,
  given: unknown,
  windows: readonly RateLimit[],
): ResolvedAdaptive | undefined {
  if (adaptive === undefined || windows.length === 0 || given !== 'auto') return adaptive
  return { ...adaptive, initial: adaptive.max }
}

/** Checks `concurrency` (the option and the setter). */
export function concurrencyOption(value: unknown): number {
  if (value === undefined) invalidOption(expected('concurrency', 'an integer >= 1 (or Infinity)', value))
  return numberOption(invalidOption, 'concurrency', value, { integer: true, min: 1, allowInfinity: true }, 10)
}

function headersOption(value: unknown): HeaderFamilies | undefined {
  if (value === false) return undefined
  return choiceOption(invalidOption, 'headers', value, ['auto', 'openai', 'anthropic'] as const, 'auto')
}

function rateOption(rate: unknown): RateLimit[] {
  if (rate === undefined) return []
  const list = Array.isArray(rate) ? rate : [rate]
  return list.map((entry: unknown, i) => {
    const name = Array.isArray(rate) ? `rate[${i}]` : 'rate'
    if (typeof entry !== 'object' || entry === null)
      invalidOption(expected(name, '{ limit, interval }', entry))
    const { limit, interval, cost, refund } = entry as Partial<RateLimit>
    if (limit === undefined) invalidOption(expected(`${name}.limit`, 'an integer >= 1', limit))
    if (interval === undefined) invalidOption(expected(`${name}.interval`, 'a number >= 1', interval))
    if (cost !== undefined && (typeof cost !== 'string' || cost === '')) {
      invalidOption(expected(`${name}.cost`, "a cost name like 'tokens'", cost))
    }
    const window: RateLimit = {
      limit: numberOption(invalidOption, `${name}.limit`, limit, { integer: true, min: 1 }, 1),
      interval: numberOption(invalidOption, `${name}.interval`, interval, { min: 1 }, 1),
    }
    if (cost !== undefined) window.cost = cost
    if (refund !== undefined) {
      if (refund !== true && refund !== false && refund !== 'auto') {
        invalidOption(expected(`${name}.refund`, "true, false or 'auto'", refund))
      }
      window.refund = refund
    }
    return window
  })
}

/** Checks the injected clock (all three methods) and wraps its timers so that no delay overflows. */
export function clockOption(clock: unknown): Clock {
  if (clock === undefined) return timerSafe(systemClock)
  objectOption('clock', clock, false)
  for (const key of ['now', 'setTimeout', 'clearTimeout'] as const) {
    if (typeof (clock as Partial<Clock>)[key] !== 'function') {
      invalidOption(expected(`clock.${key}`, 'a function', (clock as Partial<Clock>)[key]))
    }
  }
  return timerSafe(clock as Clock)
}

export function randomOption(random: unknown): () => number {
  return functionOption<() => number>(invalidOption, 'random', random) ?? Math.random
}

export function resolveLimiterOptions(options: LimiterOptions): ResolvedLimiterOptions {
  if (typeof options !== 'object' || options === null)
    invalidOption(expected('options', 'an object', options))
  const cooldown = options.cooldown
  if (cooldown !== false) objectOption('cooldown', cooldown, true)
  const windows = rateOption(options.rate)
  const adaptive = paced(adaptiveOption(options.concurrency), options.concurrency, windows)
  const headers = headersOption(options.headers)
  return {
    concurrency: adaptive
      ? adaptive.initial
      : options.concurrency === undefined
        ? 10
        : concurrencyOption(options.concurrency),
    adaptive,
    windows,
    weighted: windows.filter((w) => w.cost !== undefined),
    headers,
    timeout: timeoutOption(invalidOption, 'timeout', options.timeout, Number.POSITIVE_INFINITY),
    signal: signalOption(invalidOption, 'signal', options.signal),
    retry: { ...resolveRetryOptions(options.retry, 'retry'), resets: headers },
    cooldown:
      cooldown === false
        ? undefined
        : {
            after: numberOption(
              invalidOption,
              'cooldown.after',
              cooldown?.after,
              { integer: true, min: 1, allowInfinity: true },
              3,
            ),
            maxDelay: numberOption(
              invalidOption,
              'cooldown.maxDelay',
              cooldown?.maxDelay,
              { min: 0, allowInfinity: true },
              300_000,
            ),
            jitter: numberOption(invalidOption, 'cooldown.jitter', cooldown?.jitter, { min: 0, max: 1 }, 0.1),
          },
    clock: clockOption(options.clock),
    random: randomOption(options.random),
  }
}

/**
 * Checks the options of one call (`kind` says which apply) against the limiter's `base`; every
 * option is checked, as the constructor's are.
 */
export function resolveCallOptions(
  options: LimiterMapOptions | undefined,
  base: ResolvedLimiterOptions,
  kind: 'run' | 'stream' | 'map',
): ResolvedCallOptions {
  objectOption('options', options, false)
  const o = options ?? {}
  const signal = signalOption(invalidOption, 'signal', o.signal)
  const timeout = timeoutOption(invalidOption, 'timeout', o.timeout, base.timeout)
  const costOf =
    kind !== 'run' && typeof o.cost === 'function' ? (o.cost as ResolvedCallOptions['costOf']) : undefined
  const settle = kind === 'map' && booleanOption(invalidOption, 'settle', o.settle, false)
  const keyOf =
    kind === 'run'
      ? undefined
      : functionOption<ResolvedCallOptions['keyOf'] & {}>(invalidOption, 'key', o.key)
  if (keyOf && kind === 'map' && !settle) {
    invalidOption('`key` puts the key on outcomes: give it to `map` with `settle: true`, or to `stream`')
  }
  return {
    signal,
    timeout,
    policy: resolveRetryOptions(o.retry, 'retry', base.retry),
    guarded: timeout !== Number.POSITIVE_INFINITY || signal !== undefined || base.signal !== undefined,
    window:
      kind === 'run' || o.window === undefined
        ? undefined
        : numberOption(invalidOption, 'window', o.window, { integer: true, min: 1 }, 1),
    settle,
    cost: costOf ? undefined : costVector(o.cost, base.weighted, 'cost'),
    costOf,
    keyOf,
  }
}
