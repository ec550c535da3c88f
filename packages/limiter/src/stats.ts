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
  /** Attempts allowed at once (count, or Infinity). */
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
}
