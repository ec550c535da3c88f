import { functionOption, numberOption, signalOption } from '@boundkit/internal'
import type { Clock } from './clock'
import { invalidOption } from './errors'
import { type RetryOptions, type RetryPolicy, retryPolicy } from './retry-policy'
import type { LimiterStats } from './stats'

/** At most `limit` attempt starts in any sliding `interval` ms. */
export interface RateLimit {
  limit: number
  interval: number
}

/** How a 429/503 with `Retry-After` pauses the whole limiter. */
export interface CooldownOptions {
  /** Longest pause honoured, in ms (a larger Retry-After is capped). @default 300000 */
  maxDelay?: number
  /**
   * Starts resume at a random point within this fraction of the wait after the cooldown ends, so
   * many limiters (or processes) do not all resume at once. @default 0.1
   */
  jitter?: number
}

export interface LimiterOptions {
  /** Attempts running at once (integer >= 1, or Infinity). Can be changed later. @default 10 */
  concurrency?: number
  /** One or several rate windows, all enforced together. @default no rate limit */
  rate?: RateLimit | readonly RateLimit[]
  /** Per-attempt timeout in ms; a timed-out attempt fails with `ERR_TIMEOUT` (retryable). @default none */
  timeout?: number
  /** Aborts everything: queued work is not started, running attempts see their signal abort. */
  signal?: AbortSignal
  /** Retry policy, or `false` for none. @default { retries: 3, minDelay: 250, maxDelay: 30000, factor: 2, jitter: 'full' } */
  retry?: RetryOptions | false
  /** Retry-After cooldown, or `false` to ignore Retry-After (still used as the retry delay). @default {} */
  cooldown?: CooldownOptions | false
  /** Time source. @default the system clock */
  clock?: Clock
  /** Random source in [0, 1) for jitter. @default Math.random */
  random?: () => number
  /** Called with the counters after every change (start, end, retry, cooldown). */
  onProgress?: (stats: LimiterStats) => void
}

/** Options of one `run`, `map` or `stream` call; they override the limiter's for that call. */
export interface CallOptions {
  /** Aborts this call only. */
  signal?: AbortSignal
  /** Per-attempt timeout in ms. @default the limiter's */
  timeout?: number
  /** Retry policy for this call. @default the limiter's */
  retry?: RetryOptions | false
}

export interface BatchOptions extends CallOptions {
  /** `map` only: never reject; resolve with one outcome per item. @default false */
  settle?: boolean
  /** Items pulled from the source but not yet finished (or, for stream, not yet consumed). @default 2 x concurrency (1024 when concurrency is Infinity) */
  window?: number
}

export interface ResolvedOptions {
  concurrency: number
  windows: RateLimit[]
  timeout: number | undefined
  signal: AbortSignal | undefined
  retry: RetryPolicy
  cooldown: { maxDelay: number; jitter: number } | undefined
  onProgress: ((stats: LimiterStats) => void) | undefined
}

export function checkConcurrency(value: unknown): number {
  if (value === undefined)
    invalidOption('Expected `concurrency` to be an integer >= 1 (or Infinity), got `undefined`')
  return numberOption(invalidOption, 'concurrency', value, { integer: true, min: 1, allowInfinity: true }, 10)
}

export function checkTimeout(name: string, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback
  return numberOption(invalidOption, name, value, { min: 1, allowInfinity: true }, 0)
}

function checkRate(rate: unknown): RateLimit[] {
  if (rate === undefined) return []
  const list = Array.isArray(rate) ? rate : [rate]
  return list.map((entry, i) => {
    const name = Array.isArray(rate) ? `rate[${i}]` : 'rate'
    if (typeof entry !== 'object' || entry === null) {
      invalidOption(`Expected \`${name}\` to be { limit, interval }, got ${JSON.stringify(entry)}`)
    }
    const { limit, interval } = entry as Partial<RateLimit>
    if (limit === undefined)
      invalidOption(`Expected \`${name}.limit\` to be an integer >= 1, got \`undefined\``)
    if (interval === undefined)
      invalidOption(`Expected \`${name}.interval\` to be a number >= 1, got \`undefined\``)
    return {
      limit: numberOption(invalidOption, `${name}.limit`, limit, { integer: true, min: 1 }, 1),
      interval: numberOption(invalidOption, `${name}.interval`, interval, { min: 1 }, 1),
    }
  })
}

export function resolveOptions(options: LimiterOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    invalidOption(`Expected \`options\` to be an object, got ${String(options)}`)
  }
  const cooldown = options.cooldown
  if (cooldown !== undefined && cooldown !== false && (typeof cooldown !== 'object' || cooldown === null)) {
    invalidOption(`Expected \`cooldown\` to be an object or false, got ${JSON.stringify(cooldown)}`)
  }
  functionOption(invalidOption, 'clock.now', options.clock === undefined ? undefined : options.clock.now)
  functionOption(invalidOption, 'random', options.random)
  return {
    concurrency: options.concurrency === undefined ? 10 : checkConcurrency(options.concurrency),
    windows: checkRate(options.rate),
    timeout: checkTimeout('timeout', options.timeout, undefined),
    signal: signalOption(invalidOption, 'signal', options.signal),
    retry: retryPolicy(options.retry, 'retry'),
    cooldown:
      cooldown === false
        ? undefined
        : {
            maxDelay: numberOption(
              invalidOption,
              'cooldown.maxDelay',
              cooldown?.maxDelay,
              { min: 0, allowInfinity: true },
              300_000,
            ),
            jitter: numberOption(invalidOption, 'cooldown.jitter', cooldown?.jitter, { min: 0, max: 1 }, 0.1),
          },
    onProgress: functionOption(invalidOption, 'onProgress', options.onProgress),
  }
}
