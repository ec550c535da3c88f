/** One finished attempt, as a concurrency strategy sees it. */
export interface ConcurrencySample {
  /** How long the attempt took (ms). */
  rtt: number
  /** Attempts in flight when it ended, itself included. */
  inflight: number
}

/** How a limit moves: one strategy per algorithm (AIMD, gradient). Limits may be fractional here. */
export interface ConcurrencyStrategy {
  /** The limit after a successful attempt. */
  succeeded(limit: number, sample: ConcurrencySample): number
  /** The limit after a drop: a 429, a 503 or a timeout. */
  dropped(limit: number): number
}
