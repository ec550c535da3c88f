/** The limiter's counters (`limiter.stats()`, the `'progress'` event), for progress bars and logs. */
export interface LimiterStats {
  /** Attempts holding a concurrency slot now (count). */
  running: number
  /** Jobs waiting for a slot, or for a rate window or the cooldown to open (count). */
  queued: number
  /** Jobs waiting out a retry backoff; they hold no slot (count). */
  waiting: number
  /** Jobs that ended with a value, since the limiter was created (count). */
  done: number
  /** Jobs that ended with an error, aborted and cleared ones included (count). */
  failed: number
  /** Retries scheduled so far (count). */
  retried: number
  /** Attempts allowed at once now (count, or Infinity); with adaptive concurrency, its current limit. */
  concurrency: number
  /** `pause()` is in effect. */
  paused: boolean
  /** A Retry-After cooldown is holding new starts. */
  coolingDown: boolean
  /**
   * When new starts resume after the cooldown, 0 when not cooling down: epoch ms on the limiter's
   * clock (`performance.timeOrigin + performance.now()`), which can differ from `Date.now()` by a few ms.
   */
  cooldownUntil: number
  /**
   * Cooldowns begun (count): Retry-After pauses of the whole limiter (a 429, or `cooldown.after`
   * Retry-Afters in a row).
   */
  cooldowns: number
  /**
   * Retry-Afters that delayed only their own item's retry, not the whole limiter (count): a 503
   * below the `cooldown.after` threshold, or any with `cooldown: false`.
   */
  retryAfterDelays: number
  /** Time spent cooling down so far, the current cooldown included (ms). */
  cooldownMs: number
  /** Answers with HTTP status 429 seen, thrown or returned (count). */
  rateLimited: number
  /** Each rate window, in the order of the `rate` option. */
  windows: WindowStats[]
}

/** One rate window in `stats().windows`. */
export interface WindowStats {
  /** The window's limit (starts, or units of `cost`). */
  limit: number
  /** The window's width (ms). */
  interval: number
  /** The cost it counts (`'tokens'`), undefined when it counts starts. */
  cost: string | undefined
  /** Started in the last `interval` ms (starts, or units of `cost`, real costs once reported). */
  used: number
  /** What the server's headers say remains, minus what started since (same unit); only while that view holds. */
  serverRemaining?: number
  /** When the server's view ends (ms from now); only while it holds. */
  resetsInMs?: number
  /** How the server enforces this budget, as its headers showed it; only while headers are read. */
  serverWindow?: ServerWindowStats
}

/** What the answers' rate-limit headers taught of the window a server enforces a budget over. */
export interface ServerWindowStats {
  /** The window's width (ms): the longest reset seen, rounded up to a second (1 s before any), at most `interval`. */
  interval: number
  /** What one such window allows: `limit x interval / the declared interval`. */
  limit: number
  /** Its resets moved with the starts: a sliding window (else quantized windows are assumed). */
  sliding: boolean
  /** A reported cost below the charge is given back (`refund: true`, or the headers showed it). */
  refunds: boolean
  /** What the server charges for one unit of the estimate (its remaining against our starts); 1 for starts. */
  scale: number
}

/** The job counters of `LimiterStats`, as the limiter keeps them. */
export class Counters {
  running = 0
  queued = 0
  waiting = 0
  done = 0
  failed = 0
  retried = 0
  retryAfterDelays = 0
}
