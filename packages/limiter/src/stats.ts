/** The limiter's counters, for progress bars and logs. */
export interface LimiterStats {
  /** Attempts holding a concurrency slot. */
  running: number
  /** Jobs waiting for a slot (or for the rate limit / cooldown to open). */
  queued: number
  /** Jobs waiting out a retry backoff (they hold no slot). */
  waiting: number
  /** Jobs that ended with a value. */
  done: number
  /** Jobs that ended with an error (including aborted and cleared ones). */
  failed: number
  /** Retries scheduled so far. */
  retried: number
  /** Current concurrency. */
  concurrency: number
  /** `pause()` is in effect. */
  paused: boolean
  /** A Retry-After cooldown is holding new starts. */
  coolingDown: boolean
  /**
   * When new starts resume after the cooldown, 0 when not cooling down. Epoch ms on the limiter's
   * clock (`performance.timeOrigin + performance.now()`), which can differ from `Date.now()` by a few ms.
   */
  cooldownUntil: number
}

/** Events `limiter.on()` accepts. */
export interface LimiterEvents {
  /** The counters changed. */
  progress: LimiterStats
  /** A failed attempt will be retried after `delay` ms. */
  retry: { index: number; attempt: number; delay: number; failure: unknown }
  /** A Retry-After started (or extended) a cooldown: no new starts until `until`. */
  cooldown: { until: number; delay: number }
  /** Every job has ended. */
  idle: undefined
}
